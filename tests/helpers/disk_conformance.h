/*
 * disk_conformance.h -- the disk protocol's behaviour, checked on any disk.
 *
 * Every driver (RAM, file via io_uring, file via pread, loop device, the
 * fault-injecting wrapper) must pass the same checks: sizes, whole-block and
 * multi-block transfers, read-modify-write of sub-blocks, argument errors,
 * many operations in flight with wait_some/wait_all, and flush waiting for
 * the writes issued before it.  Test programs call disk_conformance() once
 * per driver.  The disk must hold at least 64 native blocks; its contents
 * are overwritten.
 */
#ifndef LO_DISK_CONFORMANCE_H
#define LO_DISK_CONFORMANCE_H

#include <pthread.h>

#include "drivers/disk.h"
#include "tests/tap.h"

/* Deterministic contents for block-sized pattern p. */
static void fill_pattern(unsigned char *buf, size_t len, unsigned p)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(p * 131u + i * 7u + (i >> 8));
}

static void check_errors(lo_disk *d, const char *label)
{
    uint32_t bs = lo_disk_block_size(d);
    uint64_t cap = lo_disk_size(d) * bs;
    unsigned char *buf = lo_disk_buffer_alloc(2 * bs);

    lo_ticket *t = lo_disk_write_block(d, buf, 3000, 0);
    ok(lo_ticket_expired_p(t) && lo_ticket_status(t) == LO_ESIZE,
       "%s: non-power-of-two size rejected (%s)", label, lo_ticket_message(t));
    lo_ticket_release(t);

    t = lo_disk_read_block(d, buf, 0, 0);
    is_int(lo_ticket_finish(t), LO_ESIZE, "%s: zero size rejected", label);

    t = lo_disk_write_block(d, buf, bs, bs / 2);
    ok(lo_ticket_status(t) == LO_EALIGN && strstr(lo_ticket_message(t), "multiple"),
       "%s: address not a multiple of the size rejected (%s)", label,
       lo_ticket_message(t));
    lo_ticket_release(t);

    t = lo_disk_write_block(d, buf + 1, bs, 0);
    is_int(lo_ticket_finish(t), LO_EALIGN, "%s: misaligned buffer rejected", label);

    t = lo_disk_read_block(d, buf, bs, cap);
    is_int(lo_ticket_finish(t), LO_ERANGE, "%s: read at the end rejected", label);

    /* An aligned write that starts inside the disk and runs past its end:
     * a power of two larger than the disk, at address 0. */
    size_t past = bs;
    while (past <= cap)
        past *= 2;
    unsigned char *junk = lo_disk_buffer_alloc(past);
    memset(junk, 0xee, past);
    memset(buf, 0x5a, bs);
    is_int(lo_disk_write_sync(d, buf, bs, cap - bs), LO_OK,
           "%s: last block writable", label);
    t = lo_disk_write_block(d, junk, past, 0);
    is_int(lo_ticket_finish(t), LO_ERANGE,
           "%s: write running past the end rejected", label);

    t = lo_disk_write_block(d, NULL, bs, 0);
    is_int(lo_ticket_finish(t), LO_EINVAL, "%s: NULL buffer rejected", label);

    /* ... and must not have written anything. */
    memset(buf, 0, bs);
    lo_disk_read_sync(d, buf, bs, cap - bs);
    ok(buf[0] == 0x5a && buf[bs - 1] == 0x5a,
       "%s: a rejected write left the disk untouched", label);
    lo_disk_buffer_free(junk);
    lo_disk_buffer_free(buf);
}

static void check_transfers(lo_disk *d, const char *label)
{
    uint32_t bs = lo_disk_block_size(d);
    unsigned char *a = lo_disk_buffer_alloc(8 * bs);
    unsigned char *b = lo_disk_buffer_alloc(8 * bs);

    fill_pattern(a, bs, 1);
    is_int(lo_disk_write_sync(d, a, bs, 3 * bs), LO_OK, "%s: write one block", label);
    is_int(lo_disk_read_sync(d, b, bs, 3 * bs), LO_OK, "%s: read it back", label);
    is_mem(b, a, bs, "%s: one block round-trips", label);

    fill_pattern(a, 8 * bs, 2);
    is_int(lo_disk_write_sync(d, a, 8 * bs, 8 * bs), LO_OK,
           "%s: write 8 blocks at once", label);
    memset(b, 0, 8 * bs);
    for (int i = 0; i < 8; i++)
        lo_disk_read_sync(d, b + i * bs, bs, (8 + i) * (uint64_t)bs);
    is_mem(b, a, 8 * bs, "%s: a multi-block write lands block by block", label);
    memset(b, 0, 8 * bs);
    is_int(lo_disk_read_sync(d, b, 8 * bs, 8 * bs), LO_OK, "%s: multi-block read", label);
    is_mem(b, a, 8 * bs, "%s: multi-block read matches", label);

    /* Sub-block: a 64-byte patch inside block 20 keeps the rest. */
    fill_pattern(a, bs, 3);
    lo_disk_write_sync(d, a, bs, 20 * (uint64_t)bs);
    unsigned char patch[64] __attribute__((aligned(64)));
    memset(patch, 0xab, sizeof patch);
    is_int(lo_disk_write_sync(d, patch, 64, 20 * (uint64_t)bs + 128), LO_OK,
           "%s: 64-byte write inside a block", label);
    memcpy(a + 128, patch, 64);
    lo_disk_read_sync(d, b, bs, 20 * (uint64_t)bs);
    is_mem(b, a, bs, "%s: read-modify-write kept the rest of the block", label);
    unsigned char small[64] __attribute__((aligned(64)));
    is_int(lo_disk_read_sync(d, small, 64, 20 * (uint64_t)bs + 128), LO_OK,
           "%s: 64-byte read inside a block", label);
    is_mem(small, patch, 64, "%s: sub-block read returns the patch", label);
    unsigned char one = 0;
    lo_disk_read_sync(d, &one, 1, 20 * (uint64_t)bs + 5);
    is_int(one, a[5], "%s: a 1-byte read", label);

    lo_disk_buffer_free(a);
    lo_disk_buffer_free(b);
}

/* Many transfers in flight: wait_some hands them back one by one. */
static void check_many_in_flight(lo_disk *d, const char *label)
{
    enum { N = 48 };
    uint32_t bs = lo_disk_block_size(d);
    unsigned char *bufs = lo_disk_buffer_alloc((size_t)N * bs);
    unsigned char *back = lo_disk_buffer_alloc((size_t)N * bs);
    lo_ticket *t[N];
    for (int i = 0; i < N; i++) {
        fill_pattern(bufs + (size_t)i * bs, bs, 100u + (unsigned)i);
        t[i] = lo_disk_write_block(d, bufs + (size_t)i * bs, bs,
                                   (uint64_t)i * bs);
    }
    int seen = 0, failures = 0;
    while (seen < 3) {      /* a few through wait_some, the rest wait_all */
        long i = lo_wait_some(t, N);
        if (!lo_ticket_expired_p(t[i]) || lo_ticket_status(t[i]) != LO_OK)
            failures++;
        lo_ticket_release(t[i]);
        t[i] = NULL;
        seen++;
    }
    is_int(lo_wait_all(t, N), LO_OK, "%s: wait_all over the remaining writes", label);
    for (int i = 0; i < N; i++)
        if (t[i] && !lo_ticket_expired_p(t[i]))
            failures++;
    for (int i = 0; i < N; i++)
        lo_ticket_release(t[i]);
    is_int(failures, 0, "%s: %d writes in flight, none failed", label, N);

    for (int i = 0; i < N; i++)
        t[i] = lo_disk_read_block(d, back + (size_t)i * bs, bs, (uint64_t)i * bs);
    is_int(lo_wait_all(t, N), LO_OK, "%s: %d reads in flight", label, N);
    for (int i = 0; i < N; i++)
        lo_ticket_release(t[i]);
    is_mem(back, bufs, (size_t)N * bs, "%s: everything read back intact", label);
    lo_disk_buffer_free(bufs);
    lo_disk_buffer_free(back);
}

/* A flush's ticket may only expire after every write issued before it. */
static void check_flush_order(lo_disk *d, const char *label)
{
    enum { N = 32 };
    uint32_t bs = lo_disk_block_size(d);
    unsigned char *bufs = lo_disk_buffer_alloc((size_t)N * bs);
    lo_ticket *t[N];
    for (int i = 0; i < N; i++) {
        fill_pattern(bufs + (size_t)i * bs, bs, 300u + (unsigned)i);
        t[i] = lo_disk_write_block(d, bufs + (size_t)i * bs, bs,
                                   (uint64_t)(i + 24) * bs);
    }
    lo_ticket *f = lo_disk_flush(d);
    is_int(lo_ticket_wait(f), LO_OK, "%s: flush succeeded", label);
    int early = 0;
    for (int i = 0; i < N; i++)
        if (!lo_ticket_expired_p(t[i]))
            early++;
    is_int(early, 0, "%s: flush expired only after the writes before it", label);
    lo_ticket_release(f);
    lo_wait_all(t, N);
    for (int i = 0; i < N; i++)
        lo_ticket_release(t[i]);
    lo_disk_buffer_free(bufs);
}

/* Threads patching bytes of one native block must not lose each other's
 * updates (the read-modify-write is serialized). */
struct rmw_worker { lo_disk *d; unsigned id; };

static void *rmw_worker_main(void *p)
{
    struct rmw_worker *w = p;
    uint32_t bs = lo_disk_block_size(w->d);
    for (unsigned round = 0; round < 16; round++) {
        unsigned char v[16] __attribute__((aligned(16)));
        memset(v, (int)(w->id * 16 + round), sizeof v);
        lo_disk_write_sync(w->d, v, 16, 40 * (uint64_t)bs + w->id * 16);
    }
    return NULL;
}

static void check_concurrent_rmw(lo_disk *d, const char *label)
{
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    struct rmw_worker w[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct rmw_worker){ d, i };
        pthread_create(&th[i], NULL, rmw_worker_main, &w[i]);
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    _Alignas(64) unsigned char got[THREADS * 16];
    is_int(lo_disk_read_sync(d, got, sizeof got, 40 * (uint64_t)lo_disk_block_size(d)),
           LO_OK, "%s: read the patched block", label);
    int lost = 0;
    for (unsigned i = 0; i < THREADS * 16; i++)
        if (got[i] != (unsigned char)((i / 16) * 16 + 15))
            lost++;
    is_int(lost, 0, "%s: concurrent sub-block writes to one block lose nothing", label);
}

static void disk_conformance(lo_disk *d, const char *label)
{
    ok(lo_disk_size(d) >= 64, "%s: at least 64 blocks (%llu)", label,
       (unsigned long long)lo_disk_size(d));
    uint32_t bs = lo_disk_block_size(d);
    ok(bs >= 512 && (bs & (bs - 1)) == 0, "%s: native block %u is a power of two", label, bs);
    check_errors(d, label);
    check_transfers(d, label);
    check_many_in_flight(d, label);
    check_flush_order(d, label);
    check_concurrent_rmw(d, label);
}

#endif
