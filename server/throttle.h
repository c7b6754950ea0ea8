/*
 * throttle.h -- failed logins slow down further attempts, per user name
 * and per client address: after THROTTLE_FREE failures in a row, the next
 * attempt must wait 1 s, then 2, 4 ... up to THROTTLE_MOST_SECONDS; a
 * login that succeeds clears its user's and address's count.  Kept on
 * the loop thread only, in a fixed table (a flood of names replaces the
 * oldest entries: memory stays bounded).
 */
#ifndef LO_SERVER_THROTTLE_H
#define LO_SERVER_THROTTLE_H

#include <stdint.h>

enum { THROTTLE_FREE = 3, THROTTLE_MOST_SECONDS = 60 };

/* Seconds (rounded up) before user may try again from address, at time
 * now (ns, monotonic); 0: now. */
unsigned lo_throttle_wait(const char *user, const char *address, uint64_t now);
void lo_throttle_failed(const char *user, const char *address, uint64_t now);
void lo_throttle_succeeded(const char *user, const char *address);

#endif
