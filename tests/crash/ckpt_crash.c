/*
 * ckpt-crash -- crash consistency of the single-level store, against an
 * SQLite oracle.
 *
 *   ckpt-crash [--iterations N] [--seed S] [--oracle FILE] [--verbose]
 *
 * Each iteration, from its own seed: a store on a RAM disk (512- or
 * 4096-byte blocks) behind the fault-injecting disk; a random workload of partial page writes, growth,
 * snapshots and syncs, under a random frame budget (so eviction writes
 * happen too), copy-aside pool size, disk write latency (so that the
 * workload races the background writer) and, a quarter of the time,
 * completions that arrive late and out of order (so that both of the
 * writer's batches are in flight when the power goes).  Releases
 * (lo_ckpt_release) zero ranges of pages in the model; the oracle also
 * records which pages are absent (grown or released, not written since),
 * and the recovered store must reference exactly one slot per page that is
 * not (lo_ckpt_stats' slots_used).  The workload runs once to count
 * its disk writes W and flushes F, then again with power lost at a write
 * drawn from 1..W (crashes anywhere in formatting, eviction and every step
 * of a snapshot) or, half the time, as a flush drawn from 1..F is issued
 * (crashes at the barriers, where ordering mistakes show).  Every snapshot's contents at its
 * flip -- a CRC per page -- go into the oracle (SQLite).  Then power is lost
 * (if the workload did not reach the chosen write), the store is reopened
 * on the bare inner disk, and every page of the recovered state is compared
 * with the oracle's record of the generation recovered.  That generation
 * must be one that was flipped, and no older than any generation the store
 * had reported durable before the power went.
 *
 * The dry run is checked the same way (its power goes after the last
 * operation, with snapshots possibly in flight); an iteration counts as
 * exact when both recover exactly.
 *
 * The last line is "crash-consistency: R/N recovered exactly"; the exit
 * status is non-zero on any mismatch.  The seed is printed so a failure can
 * be replayed.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/checksum.h"
#include "ckpt/ckpt.h"
#include "drivers/rng.h"

enum { MAX_TEST_PAGES = 600 };

static sqlite3 *db;
static bool verbose;

static void sql(const char *text)
{
    char *err = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "ckpt-crash: sqlite: %s\n", err);
        exit(2);
    }
}

/* The oracle: what snapshot `gen` of iteration `it` contained. */
static void record(uint64_t it, uint64_t gen, uint64_t pages,
                   const unsigned char *model, const bool *absent)
{
    sqlite3_stmt *snap, *page;
    sql("BEGIN");
    sqlite3_prepare_v2(db, "INSERT INTO snapshot VALUES (?1, ?2, ?3)", -1,
                       &snap, NULL);
    sqlite3_bind_int64(snap, 1, (sqlite3_int64)it);
    sqlite3_bind_int64(snap, 2, (sqlite3_int64)gen);
    sqlite3_bind_int64(snap, 3, (sqlite3_int64)pages);
    sqlite3_step(snap);
    sqlite3_finalize(snap);
    sqlite3_prepare_v2(db, "INSERT INTO page VALUES (?1, ?2, ?3, ?4, ?5)", -1,
                       &page, NULL);
    for (uint64_t p = 0; p < pages; p++) {
        sqlite3_reset(page);
        sqlite3_bind_int64(page, 1, (sqlite3_int64)it);
        sqlite3_bind_int64(page, 2, (sqlite3_int64)gen);
        sqlite3_bind_int64(page, 3, (sqlite3_int64)p);
        sqlite3_bind_int64(page, 4, lo_crc32c(0, model + p * 4096, 4096));
        sqlite3_bind_int64(page, 5, absent[p]);
        sqlite3_step(page);
    }
    sqlite3_finalize(page);
    sql("COMMIT");
}

/* Pages of snapshot gen that were absent (zeros in no slot). */
static int64_t oracle_absent(uint64_t it, uint64_t gen)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM page WHERE it = ?1 AND "
                       "gen = ?2 AND absent", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)it);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)gen);
    int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0)
                                              : -1;
    sqlite3_finalize(q);
    return n;
}

/* Pages of snapshot gen, or -1 if the oracle never saw it. */
static int64_t oracle_pages(uint64_t it, uint64_t gen)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT pages FROM snapshot WHERE it = ?1 AND "
                       "gen = ?2", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)it);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)gen);
    int64_t pages = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0)
                                                  : -1;
    sqlite3_finalize(q);
    return pages;
}

/* Pages of the recovered store that differ from the oracle's record. */
static uint64_t compare(uint64_t it, uint64_t gen, lo_ckpt *c)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT page, crc FROM page WHERE it = ?1 AND "
                       "gen = ?2 ORDER BY page", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)it);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)gen);
    uint64_t bad = 0;
    const unsigned char *base = lo_ckpt_base(c);
    while (sqlite3_step(q) == SQLITE_ROW) {
        uint64_t p = (uint64_t)sqlite3_column_int64(q, 0);
        uint32_t want = (uint32_t)sqlite3_column_int64(q, 1);
        if (lo_crc32c(0, base + p * 4096, 4096) != want) {
            if (verbose)
                fprintf(stderr, "  page %" PRIu64 " differs\n", p);
            bad++;
        }
    }
    sqlite3_finalize(q);
    return bad;
}

struct outcome {
    bool exact;
    uint64_t recovered, durable, flipped, writes, flushes;
};

static bool lost_power(lo_disk *f)
{
    struct lo_fault_stats st;
    lo_fault_disk_stats(f, &st);
    return st.power_lost;
}

/* A crash point: at the Nth write or the Nth flush; {0, 0} = a dry run
 * that loses power only at the end. */
struct crash_point { uint64_t write, flush; };

static struct outcome run(uint64_t it, uint64_t seed, struct crash_point at)
{
    struct outcome out = { 0 };
    lo_rng rng;
    lo_rng_seed(&rng, seed);
    uint32_t block = lo_rng_below(&rng, 2) ? 4096 : 512;
    lo_disk *inner, *f;
    if (lo_ram_disk_open((8u << 20) / block, block, &inner) != LO_OK)
        exit(2);
    static const uint64_t latencies[] = { 0, 0, 2000, 20000 };
    static const uint64_t async[] = { 0, 0, 0, 3000 };
    struct lo_fault_config fc = {
        .seed = lo_rng_next(&rng), .power_loss_write = at.write,
        .power_loss_flush = at.flush,
        .write_latency_ns = latencies[lo_rng_below(&rng, 4)],
        .async_ns = async[lo_rng_below(&rng, 4)],
    };
    lo_fault_disk_open(inner, &fc, &f);

    static const uint64_t budgets[] = { 0, 8, 32, 128 };
    static const uint32_t sides[] = { 1, 4, 1024 };
    struct lo_ckpt_options opt = {
        .create = true, .on_io_failure = LO_CKPT_POISON,
        .frame_budget = budgets[lo_rng_below(&rng, 4)],
        .side_pages = sides[lo_rng_below(&rng, 3)],
    };
    char why[200];
    lo_ckpt *c;
    if (lo_ckpt_open(f, &opt, &c, why, sizeof why) != LO_OK) {
        /* Power lost while formatting: nothing was ever durable. */
        lo_disk_close(f);
        lo_disk_close(inner);
        out.exact = true;
        return out;
    }
    static unsigned char model[MAX_TEST_PAGES * 4096];
    static bool absent[MAX_TEST_PAGES];
    memset(model, 0, sizeof model);
    for (int p = 0; p < MAX_TEST_PAGES; p++)
        absent[p] = true;
    uint64_t count = 0, gen = lo_ckpt_generation(c);
    record(it, gen, 0, model, absent);
    out.durable = out.flipped = gen;

    unsigned char *base = lo_ckpt_base(c);
    int ops = 50 + (int)lo_rng_below(&rng, 400);
    for (int op = 0; op < ops && !lost_power(f); op++) {
        unsigned r = (unsigned)lo_rng_below(&rng, 100);
        if (r < 8 || count == 0) {                    /* grow */
            uint64_t to = count + 1 + lo_rng_below(&rng, 64);
            if (to > MAX_TEST_PAGES)
                to = MAX_TEST_PAGES;
            if (lo_ckpt_grow(c, to) == LO_OK)
                count = to;
        } else if (r < 80) {                          /* a partial write */
            uint64_t p = lo_rng_below(&rng, count);
            size_t off = lo_rng_below(&rng, 4096);
            size_t len = 1 + lo_rng_below(&rng, 4096 - off);
            unsigned char *m = model + p * 4096 + off;
            for (size_t i = 0; i < len; i++)
                m[i] = (unsigned char)lo_rng_next(&rng);
            memcpy(base + p * 4096 + off, m, len);
            absent[p] = false;
        } else if (r < 85) {                          /* release */
            uint64_t p = lo_rng_below(&rng, count);
            uint64_t n = 1 + lo_rng_below(&rng, 24);
            if (n > count - p)
                n = count - p;
            if (lo_ckpt_release(c, p, n) == LO_OK) {
                memset(model + p * 4096, 0, n * 4096);
                for (uint64_t q = p; q < p + n; q++)
                    absent[q] = true;
            }
        } else if (r < 95) {                          /* snapshot */
            if (lo_ckpt_snapshot(c) == LO_OK)
                record(it, ++out.flipped, count, model, absent);
        } else {                                      /* sync */
            if (lo_ckpt_snapshot(c) != LO_OK)
                continue;
            record(it, ++out.flipped, count, model, absent);
            if (lo_ckpt_wait(c, out.flipped) == LO_OK)
                out.durable = out.flipped;
        }
    }
    lo_fault_disk_lose_power(f);
    uint64_t reported = lo_ckpt_generation(c);  /* durable, said the store */
    if (reported > out.durable)
        out.durable = reported;
    lo_ckpt_close(c);           /* waits for the writer, which now fails */
    /* What the store knew to be durable when the power went. */
    struct lo_fault_stats fst;
    lo_fault_disk_stats(f, &fst);
    out.writes = fst.writes;
    out.flushes = fst.flushes;
    lo_disk_close(f);

    struct lo_ckpt_options again = { .on_io_failure = LO_CKPT_PANIC };
    if (lo_ckpt_open(inner, &again, &c, why, sizeof why) != LO_OK) {
        fprintf(stderr, "iteration %" PRIu64 " (seed %" PRIu64 "): reopen "
                "failed: %s\n", it, seed, why);
        lo_disk_close(inner);
        return out;
    }
    out.recovered = lo_ckpt_generation(c);
    int64_t pages = oracle_pages(it, out.recovered);
    int64_t absent_pages = oracle_absent(it, out.recovered);
    uint64_t bad = pages < 0 ? 1 : compare(it, out.recovered, c);
    struct lo_ckpt_stats st;
    lo_ckpt_stats(c, &st);
    bool slots_right = pages >= 0 &&
                       st.slots_used == (uint64_t)(pages - absent_pages);
    out.exact = pages >= 0 && (uint64_t)pages == lo_ckpt_page_count(c) &&
                bad == 0 && slots_right && out.recovered >= out.durable;
    if (!out.exact)
        fprintf(stderr, "iteration %" PRIu64 " (seed %" PRIu64 "): recovered "
                "generation %" PRIu64 " (durable %" PRIu64 ", flipped up to %"
                PRIu64 "): %s, %" PRIu64 " pages differ, %" PRIu64 " slots "
                "used (oracle: %" PRId64 ")\n", it, seed,
                out.recovered, out.durable, out.flipped,
                pages < 0 ? "never recorded" : "recorded", bad,
                st.slots_used, pages - absent_pages);
    lo_ckpt_close(c);
    lo_disk_close(inner);
    return out;
}

int main(int argc, char **argv)
{
    uint64_t iterations = 100, seed = (uint64_t)time(NULL);
    const char *oracle = ":memory:";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
            iterations = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--oracle") && i + 1 < argc)
            oracle = argv[++i];
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
        else {
            fprintf(stderr, "usage: ckpt-crash [--iterations N] [--seed S] "
                            "[--oracle FILE] [--verbose]\n");
            return !strcmp(argv[i], "--help") && (printf("see above\n"), 1) ? 0 : 2;
        }
    }
    if (!verbose)   /* every iteration ends in failed snapshots: expected */
        setenv("LISPOS_LOG", "off", 0);
    if (sqlite3_open(oracle, &db) != SQLITE_OK) {
        fprintf(stderr, "ckpt-crash: cannot open the oracle %s\n", oracle);
        return 2;
    }
    sql("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
        "DROP TABLE IF EXISTS snapshot; DROP TABLE IF EXISTS page;"
        "CREATE TABLE snapshot (it INTEGER, gen INTEGER, pages INTEGER,"
        "  PRIMARY KEY (it, gen));"
        "CREATE TABLE page (it INTEGER, gen INTEGER, page INTEGER,"
        "  crc INTEGER, absent INTEGER, PRIMARY KEY (it, gen, page));");
    printf("ckpt-crash: seed %" PRIu64 ", %" PRIu64 " iterations\n", seed,
           iterations);
    uint64_t exact = 0, later = 0, nothing = 0;
    for (uint64_t it = 0; it < iterations; it++) {
        lo_rng r;
        lo_rng_seed(&r, seed + it);
        uint64_t run_seed = lo_rng_next(&r);
        struct outcome dry = run(it, run_seed, (struct crash_point){ 0, 0 });
        sql("DELETE FROM snapshot; DELETE FROM page");
        struct crash_point at = { 0, 0 };
        if (lo_rng_below(&r, 2) && dry.flushes)
            at.flush = 1 + lo_rng_below(&r, dry.flushes);
        else
            at.write = 1 + lo_rng_below(&r, dry.writes ? dry.writes : 1);
        struct outcome o = run(it, run_seed, at);
        /* The dry run is a crash test too: power lost after its last op. */
        exact += o.exact && dry.exact;
        later += o.recovered > 2;
        nothing += o.recovered <= 1;
        if (verbose)
            printf("iteration %" PRIu64 ": generation %" PRIu64 " of %" PRIu64
                   " flipped, %s\n", it, o.recovered, o.flipped,
                   o.exact ? "exact" : "MISMATCH");
    }
    sqlite3_close(db);
    printf("ckpt-crash: %" PRIu64 " recovered generation 1 (the empty store "
           "or nothing), %" PRIu64 " recovered a generation past 2\n",
           nothing, later);
    printf("crash-consistency: %" PRIu64 "/%" PRIu64 " recovered exactly\n",
           exact, iterations);
    return exact == iterations ? 0 : 1;
}
