/*
 * ckpt_bench.c -- what the single-level store costs, for tests/bench/run.sh.
 *
 *   ckpt_bench FILE
 *
 * On a store in FILE (a sparse 4.5 GiB file, O_DIRECT, io_uring):
 *   - write fault: first write of a cycle to a resident page, in address
 *     order and scattered (random order), us per page;
 *   - page-in: first read of a page that is on disk, us per page;
 *   - flip stall: the mutators' pause in lo_ckpt_snapshot with 1k, 64k and
 *     256k dirty pages;
 *   - snapshot write: flip to durable for 256k dirty pages (1 GiB), MB/s
 *     (run.sh sets it beside dd writing 1 GiB to the same file);
 *   - open: lo_ckpt_open of the 1 GiB store plus the first page read.
 * Prints "bench ckpt-NAME ..." lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "drivers/rng.h"

enum { PAGES = 262144 + 1024 };

static lo_ckpt *c;
static volatile unsigned char *base;

static double us_per(uint64_t ns, uint64_t n)
{
    return (double)ns / 1000.0 / (double)n;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "ckpt_bench: %s: %s\n", what, why);
    exit(1);
}

static lo_ckpt *open_store(lo_disk *d)
{
    char why[200];
    struct lo_ckpt_options opt = { .create = true };
    lo_ckpt *s;
    if (lo_ckpt_open(d, &opt, &s, why, sizeof why) != LO_OK)
        die("open", why);
    return s;
}

/* Write one byte to each page of the list; ns taken. */
static uint64_t touch(const uint64_t *list, uint64_t n, unsigned char v)
{
    uint64_t t0 = lo_clock_ns();
    for (uint64_t i = 0; i < n; i++)
        base[list[i] * 4096] = v;
    return lo_clock_ns() - t0;
}

static void sync_or_die(void)
{
    if (lo_ckpt_sync(c) != LO_OK)
        die("sync", lo_ckpt_failure(c));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ckpt_bench FILE\n");
        return 2;
    }
    setenv("LISPOS_LOG", "warn", 0);
    unlink(argv[1]);                        /* a scratch file: start fresh */
    struct lo_disk_open_options o = { .create = true,
                                      .size_bytes = 4608ull << 20 };
    lo_disk *d;
    if (lo_host_disk_open(argv[1], &o, &d) != LO_OK)
        die(argv[1], "cannot open");
    c = open_store(d);
    base = lo_ckpt_base(c);
    lo_ckpt_grow(c, PAGES);

    uint64_t *seq = malloc(PAGES * sizeof *seq), *scat = malloc(PAGES * sizeof *scat);
    for (uint64_t i = 0; i < PAGES; i++)
        seq[i] = scat[i] = i;
    lo_rng rng;
    lo_rng_seed(&rng, 1);
    for (uint64_t i = PAGES - 1; i > 0; i--) {
        uint64_t j = lo_rng_below(&rng, i + 1), t = scat[i];
        scat[i] = scat[j];
        scat[j] = t;
    }

    /* Make every page resident and durable: then each first write of the
     * next cycle is a pure write fault. */
    touch(seq, PAGES, 1);
    sync_or_die();
    enum { N = 65536 };
    uint64_t ns = touch(seq, N, 2);
    printf("bench ckpt-write-fault-sequential us=%.2f pages=%d\n", us_per(ns, N), N);
    ns = touch(scat, N, 3);         /* mostly pages not yet written this cycle */
    uint64_t scattered_new = 0;
    for (uint64_t i = 0; i < N; i++)
        scattered_new += scat[i] >= N;
    struct lo_ckpt_stats st;
    sync_or_die();

    /* Flip stalls. */
    static const uint64_t dirty[] = { 1024, 65536, 262144 };
    for (int k = 0; k < 3; k++) {
        touch(scat, dirty[k], (unsigned char)(10 + k));
        if (lo_ckpt_snapshot(c) != LO_OK)
            die("snapshot", lo_ckpt_failure(c));
        lo_ckpt_stats(c, &st);
        printf("bench ckpt-flip-stall dirty=%llu us=%.0f us-per-1k-pages=%.1f\n",
               (unsigned long long)dirty[k], st.last_flip_ns / 1000.0,
               st.last_flip_ns / 1000.0 / ((double)dirty[k] / 1024));
        if (lo_ckpt_wait(c, st.generation + 1) != LO_OK)
            die("wait", lo_ckpt_failure(c));
    }
    lo_ckpt_stats(c, &st);
    printf("bench ckpt-snapshot-write pages=%llu writes=%llu bytes=%llu "
           "ms=%.1f MB/s=%.1f\n",
           (unsigned long long)st.last_snapshot_pages,
           (unsigned long long)st.last_snapshot_writes,
           (unsigned long long)st.last_snapshot_bytes, st.last_snapshot_ns / 1e6,
           st.last_snapshot_bytes / (st.last_snapshot_ns / 1e9) / 1e6);
    printf("bench ckpt-write-fault-scattered us=%.2f pages=%d\n",
           us_per(ns, N), N);
    (void)scattered_new;
    lo_ckpt_close(c);

    /* Open (recovery) of the 1 GiB store, to the first usable page. */
    uint64_t t0 = lo_clock_ns();
    c = open_store(d);
    base = lo_ckpt_base(c);
    unsigned char first = base[0];
    uint64_t open_ns = lo_clock_ns() - t0;
    printf("bench ckpt-open pages=%llu ms=%.2f first-byte=%u\n",
           (unsigned long long)lo_ckpt_page_count(c), open_ns / 1e6, first);
    t0 = lo_clock_ns();
    unsigned sum = 0;
    for (uint64_t i = 1; i < 16384; i++)
        sum += base[scat[i] * 4096];
    printf("bench ckpt-page-in-random us=%.2f pages=16383 (sum %u)\n",
           us_per(lo_clock_ns() - t0, 16383), sum);
    lo_ckpt_close(c);
    lo_disk_close(d);
    return 0;
}
