/*
 * metrics.h -- --metrics HOST:PORT: admin.stats' figures in Prometheus'
 * text format, over plain HTTP (GET /metrics), for a monitoring system
 * to scrape.  Off unless configured; meant for loopback or a trusted
 * network (it asks for no password: it tells sizes and counts, never
 * anything a user stored).
 *
 *   if (!lo_metrics_start(srv, "127.0.0.1:9464")) ...   // before the loop
 */
#ifndef LO_SERVER_METRICS_H
#define LO_SERVER_METRICS_H

#include <stdbool.h>

#include "server/server.h"

bool lo_metrics_start(struct lo_server *srv, const char *address);

#endif
