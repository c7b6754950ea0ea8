/*
 * ckpt-kill -- the store survives SIGKILL of a real process.
 *
 *   ckpt-kill [--rounds N] [--seed S] [--dir DIR]
 *
 * Each round forks a child that opens the store on DIR/store.img (a
 * regular file, O_DIRECT, io_uring where available), reads the recovered
 * state as its model, then writes random bytes to random pages and syncs,
 * over and over.  Before each sync it commits to the SQLite oracle
 * (DIR/oracle.db) the CRC of every page as the coming generation will hold
 * them, marked "attempt"; after the sync returns it marks the generation
 * "durable".  The parent kills the child with SIGKILL after a random
 * delay, reopens the store and checks: the recovered generation was
 * recorded (an attempt or durable), it is no older than the newest one
 * marked durable, and every page matches the oracle.  The next round's
 * child continues from there.
 *
 * The last line is "kill-consistency: R/N recovered exactly"; the exit
 * status is non-zero on any mismatch.
 */
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/checksum.h"
#include "ckpt/ckpt.h"
#include "drivers/rng.h"

enum { MAX_PAGES = 2048, DISK_BYTES = 64 << 20 };

static char store_path[512], oracle_path[512];

static sqlite3 *open_oracle(void)
{
    sqlite3 *db;
    if (sqlite3_open(oracle_path, &db) != SQLITE_OK) {
        fprintf(stderr, "ckpt-kill: cannot open %s\n", oracle_path);
        exit(2);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS snapshot (gen INTEGER "
                 "PRIMARY KEY, pages INTEGER, durable INTEGER);"
                 "CREATE TABLE IF NOT EXISTS page (gen INTEGER, page INTEGER,"
                 " crc INTEGER, PRIMARY KEY (gen, page));", NULL, NULL, NULL);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "ckpt-kill: sqlite: %s\n", err);
        exit(2);
    }
}

static lo_disk *open_disk(void)
{
    struct lo_disk_open_options o = { .create = true, .size_bytes = DISK_BYTES };
    lo_disk *d;
    int status = lo_host_disk_open(store_path, &o, &d);
    if (status != LO_OK) {
        fprintf(stderr, "ckpt-kill: %s: %s\n", store_path, lo_strerror(status));
        exit(2);
    }
    return d;
}

/* ---- the child: write and sync until killed ------------------------------ */

static void record_attempt(sqlite3 *db, uint64_t gen, uint64_t pages,
                           const unsigned char *model)
{
    sqlite3_stmt *st;
    exec(db, "BEGIN");
    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO snapshot VALUES (?1, ?2, 0)",
                       -1, &st, NULL);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)gen);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)pages);
    sqlite3_step(st);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO page VALUES (?1, ?2, ?3)",
                       -1, &st, NULL);
    for (uint64_t p = 0; p < pages; p++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)gen);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)p);
        sqlite3_bind_int64(st, 3, lo_crc32c(0, model + p * 4096, 4096));
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    exec(db, "COMMIT");
}

static int64_t query_int(sqlite3 *db, const char *sql, int64_t fallback);

static _Noreturn void child(uint64_t seed)
{
    lo_rng rng;
    lo_rng_seed(&rng, seed);
    lo_disk *disk = open_disk();
    struct lo_ckpt_options opt = {
        .create = true, .frame_budget = lo_rng_below(&rng, 2) ? 64 : 0,
    };
    char why[200];
    lo_ckpt *c;
    static unsigned char model[MAX_PAGES * 4096];
    sqlite3 *db = open_oracle();
    /* Formatting a new store makes generation 1 (empty) durable at once:
     * record it before, or a kill right after the format would leave a
     * durable state the oracle never heard of. */
    if (query_int(db, "SELECT count(*) FROM snapshot", 0) == 0)
        record_attempt(db, 1, 0, model);
    if (lo_ckpt_open(disk, &opt, &c, why, sizeof why) != LO_OK) {
        fprintf(stderr, "ckpt-kill child: open: %s\n", why);
        _exit(3);
    }
    unsigned char *base = lo_ckpt_base(c);
    uint64_t pages = lo_ckpt_page_count(c);
    memcpy(model, base, pages * 4096);      /* the recovered state */
    for (;;) {
        if (pages < MAX_PAGES && lo_rng_below(&rng, 10) == 0) {
            uint64_t to = pages + 1 + lo_rng_below(&rng, 128);
            if (to > MAX_PAGES)
                to = MAX_PAGES;
            if (lo_ckpt_grow(c, to) == LO_OK)
                pages = to;
        }
        for (int w = 0; w < 40 && pages; w++) {
            uint64_t p = lo_rng_below(&rng, pages);
            size_t off = lo_rng_below(&rng, 4096);
            size_t len = 1 + lo_rng_below(&rng, 4096 - off);
            for (size_t i = 0; i < len; i++)
                model[p * 4096 + off + i] = (unsigned char)lo_rng_next(&rng);
            memcpy(base + p * 4096 + off, model + p * 4096 + off, len);
        }
        uint64_t gen = lo_ckpt_generation(c) + 1;
        record_attempt(db, gen, pages, model);
        if (lo_ckpt_sync(c) != LO_OK) {
            fprintf(stderr, "ckpt-kill child: sync: %s\n", lo_ckpt_failure(c));
            _exit(3);
        }
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE snapshot SET durable = 1 WHERE gen = %"
                 PRIu64, gen);
        exec(db, sql);
    }
}

/* ---- the parent: kill, reopen, compare -------------------------------------- */

static int64_t query_int(sqlite3 *db, const char *sql, int64_t fallback)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    int64_t v = sqlite3_step(st) == SQLITE_ROW &&
                sqlite3_column_type(st, 0) != SQLITE_NULL
        ? sqlite3_column_int64(st, 0) : fallback;
    sqlite3_finalize(st);
    return v;
}

static uint64_t last_generation;

static bool check(unsigned round)
{
    lo_disk *disk = open_disk();
    char why[200];
    lo_ckpt *c;
    struct lo_ckpt_options opt = { 0 };
    if (lo_ckpt_open(disk, &opt, &c, why, sizeof why) != LO_OK) {
        /* Killed before the store was ever formatted. */
        bool blank = strstr(why, "blank") != NULL;
        if (!blank)
            fprintf(stderr, "round %u: reopen failed: %s\n", round, why);
        lo_disk_close(disk);
        return blank;
    }
    sqlite3 *db = open_oracle();
    uint64_t gen = lo_ckpt_generation(c);
    last_generation = gen;
    int64_t newest_durable = query_int(db, "SELECT max(gen) FROM snapshot "
                                       "WHERE durable = 1", 0);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pages FROM snapshot WHERE gen = %"
             PRIu64, gen);
    int64_t pages = query_int(db, sql, -1);
    bool exact = pages >= 0 && (uint64_t)pages == lo_ckpt_page_count(c) &&
                 (int64_t)gen >= newest_durable;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT page, crc FROM page WHERE gen = ?1", -1,
                       &st, NULL);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)gen);
    uint64_t bad = 0;
    const unsigned char *base = lo_ckpt_base(c);
    while (exact && sqlite3_step(st) == SQLITE_ROW) {
        uint64_t p = (uint64_t)sqlite3_column_int64(st, 0);
        if (lo_crc32c(0, base + p * 4096, 4096) !=
            (uint32_t)sqlite3_column_int64(st, 1))
            bad++;
    }
    sqlite3_finalize(st);
    exact = exact && bad == 0;
    if (!exact)
        fprintf(stderr, "round %u: recovered generation %" PRIu64 " (newest "
                "durable %" PRId64 ", recorded pages %" PRId64 "): %" PRIu64
                " pages differ\n", round, gen, newest_durable, pages, bad);
    /* Forget the attempts that did not make it, so a later round can
     * reuse their generation numbers. */
    snprintf(sql, sizeof sql, "DELETE FROM page WHERE gen > %" PRIu64 ";"
             "DELETE FROM snapshot WHERE gen > %" PRIu64, gen, gen);
    exec(db, sql);
    sqlite3_close(db);
    lo_ckpt_close(c);
    lo_disk_close(disk);
    return exact;
}

int main(int argc, char **argv)
{
    unsigned rounds = 10;
    uint64_t seed = (uint64_t)time(NULL);
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: ckpt-kill [--rounds N] [--seed S] [--dir DIR]\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    char tmp[256];
    if (!dir) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/lispos-kill-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmp))
            return 2;
        dir = tmp;
    }
    snprintf(store_path, sizeof store_path, "%s/store.img", dir);
    snprintf(oracle_path, sizeof oracle_path, "%s/oracle.db", dir);
    unlink(store_path);
    unlink(oracle_path);
    printf("ckpt-kill: seed %" PRIu64 ", %u rounds, in %s\n", seed, rounds, dir);

    lo_rng rng;
    lo_rng_seed(&rng, seed);
    unsigned exact = 0;
    for (unsigned r = 0; r < rounds; r++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            child(lo_rng_next(&rng) + r);
        lo_rng_next(&rng);
        usleep((useconds_t)(5000 + lo_rng_below(&rng, 300000)));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        if (!killed)
            fprintf(stderr, "round %u: the child ended by itself (status "
                    "%d) before the kill\n", r, status);
        exact += check(r) && killed;
    }
    unlink(store_path);
    unlink(oracle_path);
    if (dir == tmp)
        rmdir(tmp);
    printf("ckpt-kill: the store reached generation %" PRIu64 "\n",
           last_generation);
    printf("kill-consistency: %u/%u recovered exactly\n", exact, rounds);
    return exact == rounds ? 0 : 1;
}
