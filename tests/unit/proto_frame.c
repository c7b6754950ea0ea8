/*
 * proto_frame.c -- proto/frame.c, the walk that finds where a MessagePack
 * message ends before msgpack-c may read it: every type's extent, every
 * prefix of a message partial, and the traps refused -- declared counts
 * and lengths the frame cannot hold, nesting past the limit, the byte no
 * type starts with.  What comes out complete, msgpack-c reads whole.
 */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "tests/tap.h"

static const struct lo_frame_limits small = { 1u << 20, 8 };

static enum lo_frame_status scan(const uint8_t *b, size_t len, size_t *used)
{
    *used = 0;
    return lo_frame_scan(b, len, &small, used);
}

/* A message with one element of every MessagePack type. */
static const uint8_t every_type[] = {
    0xdc, 0x00, 0x22,                           /* array16 of 34 */
    0xc0, 0xc2, 0xc3, 0x05, 0xff,               /* nil false true fixints */
    0xcc, 0xc8, 0xcd, 0x01, 0x00, 0xce, 0, 0, 1, 0,
    0xcf, 0, 0, 0, 0, 0, 0, 1, 0,
    0xd0, 0x80, 0xd1, 0x80, 0, 0xd2, 0x80, 0, 0, 0,
    0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0,
    0xca, 0x3f, 0x80, 0, 0, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
    0xa2, 'a', 'b', 0xd9, 0x01, 'c', 0xda, 0x00, 0x01, 'd',
    0xdb, 0, 0, 0, 1, 'e',
    0xc4, 0x02, 1, 2, 0xc5, 0x00, 0x01, 3, 0xc6, 0, 0, 0, 1, 4,
    0xd4, 1, 9, 0xd5, 1, 9, 9, 0xd6, 1, 9, 9, 9, 9,
    0xd7, 1, 1, 2, 3, 4, 5, 6, 7, 8,
    0xd8, 1, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
    0xc7, 0x01, 1, 9, 0xc8, 0x00, 0x01, 1, 9, 0xc9, 0, 0, 0, 1, 1, 9,
    0x81, 0x01, 0x02,                           /* fixmap {1: 2} */
    0xde, 0x00, 0x01, 0x03, 0x04,               /* map16 {3: 4} */
    0xdd, 0, 0, 0, 1, 0x90,                     /* array32 [[]] */
    0xdf, 0, 0, 0, 0,                           /* map32 {} */
};

int main(void)
{
    size_t used, n = sizeof every_type;
    is_int(scan(every_type, n, &used), LO_FRAME_COMPLETE,
           "a message of every type is complete");
    is_uint(used, n, "and ends at its last byte");
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    ok(msgpack_unpack_next(&u, (const char *)every_type, n, &off) ==
           MSGPACK_UNPACK_SUCCESS && off == n &&
           u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size == 34,
       "msgpack-c reads the same extent: 34 elements");
    msgpack_unpacked_destroy(&u);

    bool all_partial = true;
    for (size_t k = 0; k < n; k++)
        all_partial &= scan(every_type, k, &used) == LO_FRAME_PARTIAL;
    ok(all_partial, "each of its %zu proper prefixes is partial", n);

    uint8_t two[2 * sizeof every_type];
    memcpy(two, every_type, n);
    memcpy(two + n, every_type, n);
    is_int(scan(two, sizeof two, &used), LO_FRAME_COMPLETE,
           "two messages in a row: the first is complete");
    is_uint(used, n, "and ends where the second starts");

    /* ---- declared sizes the frame cannot hold ---- */
    static const struct { uint8_t b[6]; size_t len; const char *what; } big[] = {
        { { 0xdd, 0xff, 0xff, 0xff, 0xff }, 5, "an array32 of 2^32-1 elements" },
        { { 0xdf, 0x7f, 0xff, 0xff, 0xff }, 5, "a map32 of 2^31-1 entries" },
        { { 0xdb, 0xff, 0xff, 0xff, 0xff }, 5, "a str32 of 4 GiB" },
        { { 0xc6, 0x00, 0x20, 0x00, 0x00 }, 5, "a bin32 of 2 MiB" },
        { { 0xc9, 0x00, 0x10, 0x00, 0x00, 1 }, 6, "an ext32 of 1 MiB" },
    };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        is_int(scan(big[i].b, big[i].len, &used), LO_FRAME_TOO_LARGE,
               "refused before its elements come: %s", big[i].what);
    struct lo_frame_limits tiny = { 16, 8 };
    uint8_t array16[3] = { 0xdc, 0x00, 0x10 };  /* 16 elements: 19 bytes */
    is_int(lo_frame_scan(array16, 3, &tiny, &used), LO_FRAME_TOO_LARGE,
           "an array16 of 16 elements past a 16-byte limit");
    uint8_t fits[16] = { 0xdc, 0x00, 0x0d };    /* 13 fixints: 16 bytes */
    is_int(lo_frame_scan(fits, 16, &tiny, &used), LO_FRAME_COMPLETE,
           "a message of exactly the limit is complete");
    uint8_t pending[15] = { 0xdc, 0x00, 0x0d };
    is_int(lo_frame_scan(pending, 15, &tiny, &used), LO_FRAME_PARTIAL,
           "and partial a byte short of it");
    uint8_t stream[20] = { 0xc4, 0x20 };        /* bin8 of 32 bytes */
    is_int(lo_frame_scan(stream, 20, &tiny, &used), LO_FRAME_TOO_LARGE,
           "a bin8 of 32 bytes past a 16-byte limit");
    uint8_t junk[16];
    memset(junk, 0x90, sizeof junk);            /* 16 empty arrays */
    is_int(lo_frame_scan(junk, 16, &tiny, &used), LO_FRAME_COMPLETE,
           "the first of many small messages is complete");
    is_uint(used, 1, "and one byte long");

    /* ---- nesting ---- */
    uint8_t deep[64];
    memset(deep, 0x91, sizeof deep);            /* [[[[...]]]] */
    deep[8] = 0xc0;
    is_int(scan(deep, 9, &used), LO_FRAME_COMPLETE,
           "8 arrays deep, at the limit of 8, is complete");
    deep[8] = 0x91;
    deep[9] = 0xc0;
    is_int(scan(deep, 10, &used), LO_FRAME_TOO_DEEP, "9 deep is refused");
    is_int(scan(deep, sizeof deep, &used), LO_FRAME_TOO_DEEP,
           "64 deep is refused, before its end arrives");

    /* ---- bytes that are not MessagePack ---- */
    uint8_t never[3] = { 0x92, 0x01, 0xc1 };
    is_int(scan(never, 3, &used), LO_FRAME_MALFORMED,
           "0xc1, which no type starts with");
    const char *http = "GET / HTTP/1.1\r\n";
    is_int(scan((const uint8_t *)http, strlen(http), &used), LO_FRAME_COMPLETE,
           "plain text reads as a positive fixint first (the TLS layer, not "
           "this one, refuses plaintext)");

    /* ---- random bytes: never past the buffer, always an answer ---- */
    uint64_t x = 88172645463325252ull;
    bool sane = true;
    for (int round = 0; round < 20000; round++) {
        uint8_t b[24];
        for (size_t i = 0; i < sizeof b; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[i] = (uint8_t)x;
        }
        enum lo_frame_status st = lo_frame_scan(b, sizeof b, &tiny, &used);
        sane &= st != LO_FRAME_COMPLETE || (used >= 1 && used <= sizeof b);
        if (st == LO_FRAME_COMPLETE) {
            msgpack_unpacked_init(&u);
            off = 0;
            sane &= msgpack_unpack_next(&u, (const char *)b, used, &off) ==
                        MSGPACK_UNPACK_SUCCESS && off == used;
            msgpack_unpacked_destroy(&u);
        }
    }
    ok(sane, "20000 random 24-byte buffers: every complete one is one that "
       "msgpack-c reads to the same end");
    /* the server's limit after login is msgpack-c's own: 32 deep reads,
     * 33 deep does not (make fuzz found the server's 64 was past it) */
    static const struct lo_frame_limits server = { 16u << 20, 32 };
    uint8_t nested[40];
    for (size_t depth = 32; depth <= 33; depth++) {
        memset(nested, 0x91, depth);        /* fixarray of one, nested */
        nested[depth] = 0x01;
        size_t used = 0;
        enum lo_frame_status st = lo_frame_scan(nested, depth + 1, &server,
                                                &used);
        msgpack_unpacked d;
        msgpack_unpacked_init(&d);
        size_t at = 0;
        int read = msgpack_unpack_next(&d, (const char *)nested, depth + 1,
                                       &at);
        msgpack_unpacked_destroy(&d);
        if (depth == 32)
            ok(st == LO_FRAME_COMPLETE && read == MSGPACK_UNPACK_SUCCESS,
               "32 deep: the frame takes it and msgpack-c reads it");
        else
            ok(st == LO_FRAME_TOO_DEEP && read != MSGPACK_UNPACK_SUCCESS,
               "33 deep: refused by both");
    }
    /* an empty array is a level: 32 deep with [] innermost is 33 */
    memset(nested, 0x91, 32);
    nested[32] = 0x90;
    size_t used33 = 0;
    ok(lo_frame_scan(nested, 33, &server, &used33) == LO_FRAME_TOO_DEEP,
       "an empty array past the depth is too deep (make fuzz found it)");
    return done_testing();
}
