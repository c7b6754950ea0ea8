/*
 * server.h -- what the parts of lispos-server share: the running
 * server (its loop, TLS context, workers, limits) and the entry of a new
 * connection into a session (session.c).
 */
#ifndef LO_SERVER_SERVER_H
#define LO_SERVER_SERVER_H

#include <event2/event.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "ckpt/ckpt.h"
#include "proto/frame.h"
#include "server/pool.h"

struct session;

struct lo_watches;

struct lo_server {
    lo_ckpt *store;
    struct event_base *base;
    SSL_CTX *tls;
    struct lo_pool *pool;
    struct lo_watches *watches; /* live queries */
    /* a message's size and nesting, before and after login */
    struct lo_frame_limits before_login, after_login;
    unsigned max_in_flight;     /* requests of one connection at once */
    unsigned max_sessions, sessions;
    struct session *connected;  /* the sessions whose connection is open */
    uint64_t next_session_id;
    unsigned handshake_seconds; /* to finish the TLS handshake and log in */
    unsigned idle_seconds;      /* a logged-in connection may stay silent */
};

/* A connection accepted on fd: TLS, then requests. */
void lo_session_accept(struct lo_server *srv, evutil_socket_t fd,
                       const struct sockaddr *addr, int addr_len);

#endif
