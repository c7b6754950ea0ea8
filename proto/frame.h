/*
 * frame.h -- where one MessagePack message ends in a stream of bytes, and
 * whether it is one the server may decode (proto/frame.c).
 *
 * MessagePack has no length prefix: a message ends where its last element
 * does.  msgpack-c's decoder allocates an array or a map from its declared
 * element count before the elements arrive (a 5-byte message could make it
 * reserve gigabytes) and reports nesting past its own limit with negative
 * codes of its own.  So the bytes are first walked here, without
 * allocating: a message is handed to msgpack-c only once it is complete,
 * no larger than the frame limit, nested no deeper than the depth limit,
 * and with every declared count within the bytes that could follow.
 *
 *   struct lo_frame_limits lim = { .max_bytes = 1 << 20, .max_depth = 32 };
 *   size_t used;
 *   switch (lo_frame_scan(buf, len, &lim, &used)) {
 *   case LO_FRAME_COMPLETE:  decode buf[0..used), drop it, scan again
 *   case LO_FRAME_PARTIAL:   read more bytes (len is below the limit)
 *   default:                 a bad message: end the connection
 *   }
 */
#ifndef LO_PROTO_FRAME_H
#define LO_PROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct lo_frame_limits {
    size_t max_bytes;           /* a message's size at most */
    unsigned max_depth;         /* arrays and maps nested at most */
};

enum lo_frame_status {
    LO_FRAME_COMPLETE = 0,      /* a whole message: *used bytes */
    LO_FRAME_PARTIAL = 1,       /* its start only: more bytes needed */
    LO_FRAME_TOO_LARGE = -1,    /* past max_bytes, or would be */
    LO_FRAME_TOO_DEEP = -2,     /* nested past max_depth */
    LO_FRAME_MALFORMED = -3,    /* a byte no MessagePack type starts with */
};

enum lo_frame_status lo_frame_scan(const uint8_t *buf, size_t len,
                                   const struct lo_frame_limits *limits,
                                   size_t *used);

/* A short text for a status ("message too large", ...). */
const char *lo_frame_status_text(enum lo_frame_status status);

#endif
