/*
 * disk_bench.c -- throughput of the file driver, for tests/bench/run.sh.
 *
 *   disk_bench seq-write FILE BYTES BLOCK DEPTH [uring|sync]
 *   disk_bench rand-read FILE BYTES BLOCK DEPTH [uring|sync]
 *   disk_bench seq-read FILE BYTES BLOCK DEPTH [uring|sync]
 *
 * seq-write writes BYTES from offset 0 in BLOCK-sized transfers with DEPTH
 * in flight, then flushes (the flush is timed, as dd's conv=fdatasync is).
 * rand-read reads BYTES in BLOCK-sized transfers at random aligned offsets
 * across the whole file; seq-read reads BYTES from offset 0 in order.
 * Prints one number: MB/s (10^6 bytes a second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/disk.h"
#include "drivers/rng.h"

static uint64_t parse_bytes(const char *s)
{
    char *end;
    uint64_t n = strtoull(s, &end, 10);
    if (*end == 'K') n <<= 10;
    if (*end == 'M') n <<= 20;
    if (*end == 'G') n <<= 30;
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: disk_bench seq-write|seq-read|rand-read FILE BYTES "
                        "BLOCK DEPTH [uring|sync]\n");
        return 2;
    }
    bool writing = !strcmp(argv[1], "seq-write");
    bool sequential = writing || !strcmp(argv[1], "seq-read");
    uint64_t bytes = parse_bytes(argv[3]);
    size_t block = (size_t)parse_bytes(argv[4]);
    int depth = atoi(argv[5]);
    if (depth < 1 || depth > 256 || block == 0 || bytes < block) {
        fprintf(stderr, "disk_bench: bad sizes\n");
        return 2;
    }
    struct lo_disk_open_options opt = {
        .create = true, .size_bytes = writing ? bytes : 0,
        .io = argc > 6 && !strcmp(argv[6], "sync") ? LO_DISK_IO_SYNC
                                                   : LO_DISK_IO_URING,
    };
    lo_disk *d;
    int status = lo_host_disk_open(argv[2], &opt, &d);
    if (status != LO_OK) {
        fprintf(stderr, "disk_bench: %s: %s\n", argv[2], lo_strerror(status));
        return 1;
    }
    uint64_t slots = lo_disk_size(d) * lo_disk_block_size(d) / block;
    unsigned char *buf = lo_disk_buffer_alloc(block * (size_t)depth);
    memset(buf, 0xa5, block * (size_t)depth);
    lo_ticket **t = calloc((size_t)depth, sizeof *t);
    lo_rng rng;
    lo_rng_seed(&rng, 2026);

    uint64_t ops = bytes / block, issued = 0, finished = 0;
    uint64_t start = lo_clock_ns();
    while (finished < ops && status == LO_OK) {
        for (int i = 0; i < depth && issued < ops; i++) {
            if (t[i])
                continue;
            unsigned char *b = buf + (size_t)i * block;
            uint64_t at = sequential ? issued * block
                                     : lo_rng_below(&rng, slots) * block;
            t[i] = writing ? lo_disk_write_block(d, b, block, at)
                           : lo_disk_read_block(d, b, block, at);
            issued++;
        }
        long i = lo_wait_some(t, (size_t)depth);
        status = lo_ticket_status(t[i]);
        if (status != LO_OK)
            fprintf(stderr, "disk_bench: %s\n", lo_ticket_message(t[i]));
        lo_ticket_release(t[i]);
        t[i] = NULL;
        finished++;
    }
    lo_wait_all(t, (size_t)depth);
    if (writing && status == LO_OK)
        status = lo_disk_flush_sync(d);
    double secs = (double)(lo_clock_ns() - start) / 1e9;
    for (int i = 0; i < depth; i++)
        lo_ticket_release(t[i]);
    lo_disk_close(d);
    if (status != LO_OK)
        return 1;
    printf("%.1f\n", (double)bytes / secs / 1e6);
    return 0;
}
