/*
 * frame.c -- one MessagePack message's extent, walked without allocating
 * (frame.h says why).  The walk keeps, for each array or map being read,
 * how many elements it still has; an element is a header of 1 to 9 bytes
 * and, for strings, binaries and extensions, a payload of a length the
 * header gives.
 */
#include "proto/frame.h"

enum { DEPTH_MOST = 255 };

/* A big-endian number of n bytes at p. */
static uint64_t big_endian(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* What an element's first byte says of it: its header's size, and either
 * its payload's size (`payload_bytes` bytes of length after the first
 * byte, or a fixed size) or the number of elements it holds. */
struct head {
    unsigned size;              /* the header's bytes, first one included */
    unsigned length_bytes;      /* of a length after the first byte */
    uint64_t payload;           /* fixed payload bytes (fixext, fixstr) */
    int container;              /* 0; 1 an array; 2 a map (two an entry) */
    uint64_t count;             /* a fixarray's or fixmap's elements */
    int bad;
};

static struct head head_of(uint8_t b)
{
    struct head h = { 1, 0, 0, 0, 0, 0 };
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return h;                               /* fixint, nil, booleans */
    if (b <= 0x8f) {
        h.container = 2;
        h.count = b & 0x0f;
        return h;
    }
    if (b <= 0x9f) {
        h.container = 1;
        h.count = b & 0x0f;
        return h;
    }
    if (b <= 0xbf) {
        h.payload = b & 0x1f;
        return h;
    }
    switch (b) {
    case 0xc4: case 0xd9: h.size = 2; h.length_bytes = 1; break;
    case 0xc5: case 0xda: h.size = 3; h.length_bytes = 2; break;
    case 0xc6: case 0xdb: h.size = 5; h.length_bytes = 4; break;
    case 0xc7: h.size = 3; h.length_bytes = 1; break;   /* and the type */
    case 0xc8: h.size = 4; h.length_bytes = 2; break;
    case 0xc9: h.size = 6; h.length_bytes = 4; break;
    case 0xca: h.size = 5; break;
    case 0xcb: h.size = 9; break;
    case 0xcc: case 0xd0: h.size = 2; break;
    case 0xcd: case 0xd1: h.size = 3; break;
    case 0xce: case 0xd2: h.size = 5; break;
    case 0xcf: case 0xd3: h.size = 9; break;
    case 0xd4: h.size = 2; h.payload = 1; break;
    case 0xd5: h.size = 2; h.payload = 2; break;
    case 0xd6: h.size = 2; h.payload = 4; break;
    case 0xd7: h.size = 2; h.payload = 8; break;
    case 0xd8: h.size = 2; h.payload = 16; break;
    case 0xdc: h.size = 3; h.length_bytes = 2; h.container = 1; break;
    case 0xdd: h.size = 5; h.length_bytes = 4; h.container = 1; break;
    case 0xde: h.size = 3; h.length_bytes = 2; h.container = 2; break;
    case 0xdf: h.size = 5; h.length_bytes = 4; h.container = 2; break;
    default: h.bad = 1;                         /* 0xc1: never used */
    }
    return h;
}

enum lo_frame_status lo_frame_scan(const uint8_t *buf, size_t len,
                                   const struct lo_frame_limits *limits,
                                   size_t *used)
{
    uint64_t left[DEPTH_MOST + 1];
    unsigned most = limits->max_depth < DEPTH_MOST ? limits->max_depth
                                                   : DEPTH_MOST;
    size_t max = limits->max_bytes;
    /* not all there yet: more may come, unless the limit is reached */
    enum lo_frame_status short_of = len >= max ? LO_FRAME_TOO_LARGE
                                               : LO_FRAME_PARTIAL;
    uint64_t pos = 0;
    int depth = 0;
    left[0] = 1;
    while (depth >= 0) {
        if (left[depth] == 0) {
            depth--;
            continue;
        }
        left[depth]--;
        if (pos >= len)
            return short_of;
        struct head h = head_of(buf[pos]);
        if (h.bad)
            return LO_FRAME_MALFORMED;
        if (pos + h.size > max)
            return LO_FRAME_TOO_LARGE;
        if (pos + h.size > len)
            return short_of;
        uint64_t n = h.length_bytes ? big_endian(buf + pos + 1, h.length_bytes)
                                    : h.container ? h.count : h.payload;
        pos += h.size;
        if (!h.container) {
            if (n > max - pos)
                return LO_FRAME_TOO_LARGE;
            if (pos + n > len)
                return short_of;
            pos += n;
            continue;
        }
        if (h.container == 2)
            n *= 2;
        /* every element takes a byte at least: a count the rest of the
         * frame cannot hold is refused before anything trusts it */
        if (n > max - pos)
            return LO_FRAME_TOO_LARGE;
        /* an empty container is a level too, as msgpack-c counts it (it
         * checks its stack before it looks at the count) */
        if ((unsigned)depth + 1 > most)
            return LO_FRAME_TOO_DEEP;
        if (n == 0)
            continue;
        left[++depth] = n;
    }
    *used = (size_t)pos;
    return LO_FRAME_COMPLETE;
}

const char *lo_frame_status_text(enum lo_frame_status status)
{
    switch (status) {
    case LO_FRAME_COMPLETE: return "a complete message";
    case LO_FRAME_PARTIAL: return "an incomplete message";
    case LO_FRAME_TOO_LARGE: return "a message larger than the limit";
    case LO_FRAME_TOO_DEEP: return "a message nested deeper than the limit";
    case LO_FRAME_MALFORMED: return "bytes that are not MessagePack";
    }
    return "?";
}
