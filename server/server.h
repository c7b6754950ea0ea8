/*
 * server.h -- what the parts of lispos-server share: the running
 * server (its loop, TLS context, workers, limits) and the entry of a new
 * connection into a session (session.c).
 */
#ifndef LO_SERVER_SERVER_H
#define LO_SERVER_SERVER_H

#include <event2/event.h>
#include <msgpack.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "ckpt/ckpt.h"
#include "lisp/lisp.h"
#include "proto/frame.h"
#include "server/pool.h"

struct session;

struct lo_watches;
struct evhttp;

struct lo_server {
    lo_ckpt *store;
    struct event_base *base;
    SSL_CTX *tls;
    struct lo_pool *pool;
    lo_lisp *loop_lisp;         /* the loop's thread's, waiting outside the
                                   Lisp between events (direct.h) */
    bool loop_inside;           /* the loop stepped into the Lisp during
                                   this read callback (direct.h) */
    msgpack_sbuffer direct_reply;   /* the loop's answer being packed */
    msgpack_zone message_zone;  /* the objects of the message read */
    struct lo_watches *watches; /* live queries */
    struct evhttp *metrics;     /* --metrics' server, or NULL */
    uint64_t started;           /* unix time it began serving */
    _Atomic uint64_t requests;  /* answered since, all sessions */
    _Atomic uint64_t direct;    /* of them, by the loop itself (direct.h) */
    _Atomic uint64_t last_snapshot;     /* unix time of the last one, or 0 */
    /* a message's size and nesting, before and after login */
    struct lo_frame_limits before_login, after_login;
    unsigned max_in_flight;     /* requests of one connection at once */
    unsigned max_sessions, sessions;
    unsigned max_per_user;      /* logged-in connections of one user */
    struct session *connected;  /* the sessions whose connection is open */
    uint64_t next_session_id;
    unsigned handshake_seconds; /* to finish the TLS handshake and log in */
    unsigned idle_seconds;      /* a logged-in connection may stay silent */
};

/* What admin.stats answers and --metrics serves (methods.c): gathered
 * on a worker (the entries are counted by the Lisp). */
struct lo_server_figures {
    uint64_t store_bytes, store_capacity, resident_bytes, entries, users;
    uint64_t sessions, requests, direct_requests, uptime, snapshots;
    uint64_t last_snapshot;
    uint64_t snapshot_stall_us, faults, write_faults;
    uint64_t gc_collections, gc_young, gc_pause_last_us, gc_pause_max_us;
    uint64_t gc_pause_total_us;
    const char *mechanism;
};
void lo_server_figures(lo_lisp *W, struct lo_server *srv,
                       struct lo_server_figures *f);

/* Every open connection closed (the server stops): requests in flight
 * finish unanswered, each session freed when its last one does. */
void lo_sessions_close(struct lo_server *srv);

/* A connection accepted on fd: TLS, then requests. */
void lo_session_accept(struct lo_server *srv, evutil_socket_t fd,
                       const struct sockaddr *addr, int addr_len);

#endif
