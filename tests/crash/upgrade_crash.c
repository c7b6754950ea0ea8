/*
 * upgrade-crash -- power lost while an upgrade in place runs (issue 18;
 * docs/upgrade-design.md section 3, "Power loss"; docs/upgrade.md, "Crash
 * safety").
 *
 *   upgrade-crash --store CLEAN --from-system HEX [--rounds N] [--seed S]
 *                 [--max-seconds T] [--dir DIR] [--verbose]
 *
 * Linked per upgrade variant like lispos-repl (the Makefile builds
 * build/upgrade/b/upgrade-crash), so this program is system B.  CLEAN is
 * a store system A filled (upgrade_power.t fills it with
 * tests/upgrade/two_builds/alice.lisp), and HEX is A's system code
 * version (`build/upgrade/a/lispos-repl --version`): the store must
 * record it.
 *
 * First, one dry run per frame budget (none, and a small one, so that
 * evictions write during the upgrade too): a copy of CLEAN upgraded
 * through the fault-injecting disk (drivers/disk.h) without a power
 * loss, counting its writes W and flushes F.  Then each round, from its
 * own seed: a frame budget, a fresh copy of CLEAN, and the upgrade
 * (lo_lisp_open_with) through the fault-injecting disk, which loses
 * power at a write drawn from 1..W (a quarter of those from the last 16:
 * the commit's flip) or, a third of the time, as a flush drawn from 1..F
 * is issued.  The open fails or succeeds; the power goes at the end in
 * any case.  Then the copy is reopened on a plain disk and checked:
 *
 *   - its heap's version records (lo_heap_read_versions) are A's or B's,
 *     nothing else; B's if the open had reported success;
 *   - if A's, the store is the old one exactly: as many pages as CLEAN,
 *     each with the same CRC;
 *   - B opens it (lo_lisp_open_with), upgrading it if and only if it is
 *     A's, and Alice's code and data give their known answers, B's system
 *     code live (the forms of upgrade_kill.t and some of
 *     upgrade_two_builds.t); a full collection with the heap verified
 *     (lo_gc_verify) succeeds, and the answers are the same after it.
 *
 * The dry runs are checked the same way (B's, with the power lost after
 * the open).  Each upgrade through the faulty disk and each check runs in
 * a child process (fork): one store is open per process at a time, the
 * table of primitives is built once per process, and a child whose page
 * is read after the power went panics (LO_CKPT_PANIC), as a real one
 * would; the parent reads the records and the pages itself.  A child
 * that upgrades may die of SIGABRT after the power went; any other death
 * is a failure.  Children report through memory shared with the parent.
 *
 * The last line is "upgrade-power: R/N rounds consistent"; the exit
 * status is non-zero on any inconsistency.  The seed is printed so a
 * failure can be replayed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "drivers/checksum.h"
#include "drivers/rng.h"
#include "gc/heap.h"
#include "lisp/lisp.h"

/* The frame budgets, in sixteenths of the store's pages: none, and one
 * that makes the upgrade evict without thrashing (on a store of
 * alice.lisp, 5,376 pages: about 400 writes before the commit, in twice
 * the time of an upgrade without evictions). */
static const uint64_t budgets16[] = { 0, 9 };
#define NBUDGETS (sizeof budgets16 / sizeof budgets16[0])
static uint64_t budgets[NBUDGETS];

/* A child that does not finish within this is killed (and fails). */
#define CHILD_SECONDS 120

/* Alice's forms with known answers once B's system code runs
 * (tests/upgrade/two_builds/alice.lisp, tests/upgrade/boot/b). */
static const struct { const char *form, *want; } checks[] = {
    { "*kept*", "(1 \"two\" :THREE)" },
    { "(calls-changed 5)", "(:V2 5)" },
    { "(upgrade-test:shape-y *shape*)", "42" },
    { "(upgrade-test:area *circle*)", "(:CIRCLE 5 (:V2 1))" },
    { "(calls-added)", ":ADDED" },
    { "(handler-case (calls-removed) (undefined-function () :undefined))",
      ":UNDEFINED" },
    { "(funcall *adder* 1)", "11" },
    { "(old-twice)", "1" },
    { "(upgrade-test:twice 3)", "(3 3)" },
    { "(list (gethash 'sym *eq*) (gethash *circle* *eq*))",
      "(:BY-SYMBOL :BY-OBJECT)" },
};
#define NCHECKS (sizeof checks / sizeof checks[0])

/* What a child tells the parent, in memory they share. */
struct report {
    /* an upgrade through the faulty disk */
    bool returned;              /* lo_lisp_open_with returned */
    int open_status;
    bool upgraded;
    uint64_t writes_before_commit;      /* as the "commit" phase starts */
    uint64_t writes, flushes;   /* the fault disk's, when the open returned */
    bool power_lost;            /* when the open returned */
    /* a check */
    bool checked;               /* the check ran to its end */
    char why[600];              /* the first thing wrong, or "" */
};

static struct report *shared;
static bool verbose;
static char dir[512];

/* ---- files ---- */

/* Copy a store file, leaving holes where the source has zeros. */
static void copy_store(const char *from, const char *to)
{
    int in = open(from, O_RDONLY);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0) {
        fprintf(stderr, "upgrade-crash: copying %s to %s: %s\n", from, to,
                strerror(errno));
        exit(2);
    }
    static unsigned char buf[1 << 16], zero[1 << 16];
    off_t at = 0;
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if ((size_t)n != sizeof buf || memcmp(buf, zero, sizeof buf)) {
            if (pwrite(out, buf, (size_t)n, at) != n) {
                fprintf(stderr, "upgrade-crash: writing %s: %s\n", to,
                        strerror(errno));
                exit(2);
            }
        }
        at += n;
    }
    if (n < 0 || ftruncate(out, at) != 0) {
        fprintf(stderr, "upgrade-crash: copying %s: %s\n", from,
                strerror(errno));
        exit(2);
    }
    close(in);
    close(out);
}

static lo_disk *open_disk(const char *path)
{
    /* Buffered: the fault disk, not the host, decides what a power loss
     * keeps, and the page cache spares the rounds the disk's time. */
    struct lo_disk_open_options o = { .no_direct = true };
    lo_disk *d;
    int status = lo_host_disk_open(path, &o, &d);
    if (status != LO_OK) {
        fprintf(stderr, "upgrade-crash: %s: %s\n", path, lo_strerror(status));
        exit(2);
    }
    return d;
}

/* ---- children ---- */

/* Run fn(arg) in a child, with a fresh shared report; its wait status.
 * quiet: the child's stderr goes to /dev/null (a child that loses power
 * logs failed snapshots, as it should). */
static int in_child(void (*fn)(const void *), const void *arg, bool quiet)
{
    memset(shared, 0, sizeof *shared);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "upgrade-crash: fork: %s\n", strerror(errno));
        exit(2);
    }
    if (pid == 0) {
        if (quiet && !verbose) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0)
                dup2(null, 2);
        }
        alarm(CHILD_SECONDS);
        fn(arg);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

static void phase(void *ctx, const char *name)
{
    if (strcmp(name, "commit"))
        return;
    struct lo_fault_stats st;
    lo_fault_disk_stats(ctx, &st);
    shared->writes_before_commit = st.writes;
}

struct upgrade_args {
    const char *path;
    struct lo_fault_config fault;
    uint64_t frame_budget;
};

/* The child: B opens (upgrades) the store through the faulty disk. */
static void upgrade_child(const void *arg)
{
    const struct upgrade_args *a = arg;
    lo_disk *inner = open_disk(a->path), *f;
    if (lo_fault_disk_open(inner, &a->fault, &f) != LO_OK)
        _exit(3);
    struct lo_ckpt_options copt = {
        .frame_budget = a->frame_budget, .on_io_failure = LO_CKPT_PANIC,
    };
    char why[600];
    lo_ckpt *store;
    if (lo_ckpt_open(f, &copt, &store, why, sizeof why) != LO_OK) {
        snprintf(shared->why, sizeof shared->why, "%s", why);
        _exit(4);
    }
    struct lo_lisp_open_options opt = { .progress = phase,
                                        .progress_ctx = f };
    struct lo_lisp_open_report report;
    lo_lisp *L;
    int status = lo_lisp_open_with(store, &opt, &L, &report, why, sizeof why);
    struct lo_fault_stats st;
    lo_fault_disk_stats(f, &st);
    shared->open_status = status;
    shared->upgraded = status == LO_OK && report.upgraded;
    shared->writes = st.writes;
    shared->flushes = st.flushes;
    shared->power_lost = st.power_lost;
    shared->returned = true;
    if (status != LO_OK)
        snprintf(shared->why, sizeof shared->why, "%s", why);
    /* Closed first: closing may read pages in, which a disk without
     * power would refuse. */
    if (status == LO_OK)
        lo_lisp_close(L);
    lo_fault_disk_lose_power(f);        /* what was not flushed may go */
    lo_ckpt_close(store);
    lo_disk_close(f);
    lo_disk_close(inner);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    if (shared->why[0])
        return;                         /* the first one says most */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(shared->why, sizeof shared->why, fmt, ap);
    va_end(ap);
}

/* Alice's forms give their answers on L. */
static void run_checks(lo_lisp *L, const char *when)
{
    char out[400];
    for (size_t i = 0; i < NCHECKS; i++) {
        int status = lo_lisp_eval_string(L, checks[i].form, out, sizeof out);
        if (status != LO_OK || strcmp(out, checks[i].want))
            note("%s, %s gives %s, not %s", when, checks[i].form, out,
                 checks[i].want);
    }
}

struct check_args {
    const char *path;
    bool expect_upgrade;        /* the store records A's versions */
};

/* The child: B opens the recovered store on a plain disk, upgrading it
 * if it is still A's, and Alice's code and data answer. */
static void check_child(const void *arg)
{
    const struct check_args *a = arg;
    lo_disk *disk = open_disk(a->path);
    struct lo_ckpt_options copt = { .on_io_failure = LO_CKPT_PANIC };
    char why[600];
    lo_ckpt *store;
    if (lo_ckpt_open(disk, &copt, &store, why, sizeof why) != LO_OK) {
        note("the store does not open: %s", why);
        _exit(1);
    }
    struct lo_lisp_open_report report;
    lo_lisp *L;
    if (lo_lisp_open_with(store, NULL, &L, &report, why, sizeof why) !=
        LO_OK) {
        note("B does not open it: %s", why);
        _exit(1);
    }
    if (report.upgraded != a->expect_upgrade)
        note("B %s it", report.upgraded ? "upgraded" : "did not upgrade");
    if (report.to.system != lo_lisp_system_version())
        note("once open, it records system %016" PRIx64 ", not B's",
             report.to.system);
    if (lo_lisp_set_user(L, "alice") != LO_OK)
        note("no environment for alice");
    run_checks(L, "opened");
    /* A full collection, the heap verified after it (lo_lisp_gc_stress
     * turns the verification on; a trigger this large never fires). */
    lo_lisp_gc_stress(L, UINT64_MAX);
    struct lo_gc_result gc;
    int status = lo_lisp_collect(L, &gc);
    lo_lisp_gc_stress(L, 0);
    if (status != LO_OK)
        note("a full collection failed: %s", lo_strerror(status));
    run_checks(L, "after a collection");
    shared->checked = true;
    lo_lisp_close(L);
    lo_ckpt_close(store);
    lo_disk_close(disk);
}

/* ---- the parent's reading of a store ---- */

struct image {
    struct lo_heap_versions versions;
    uint64_t pages;
    uint32_t *crc;              /* one per page, when asked for */
};

/* Read a store's version records and, with crcs, its pages' CRCs. */
static bool read_image(const char *path, bool crcs, struct image *out,
                       char *why, size_t why_len)
{
    lo_disk *disk = open_disk(path);
    struct lo_ckpt_options copt = { .on_io_failure = LO_CKPT_PANIC };
    lo_ckpt *store;
    if (lo_ckpt_open(disk, &copt, &store, why, why_len) != LO_OK) {
        lo_disk_close(disk);
        return false;
    }
    int status = lo_heap_read_versions(store, &out->versions);
    if (status != LO_OK)
        snprintf(why, why_len, "no version records: %s", lo_strerror(status));
    out->pages = lo_ckpt_page_count(store);
    if (status == LO_OK && crcs) {
        out->crc = malloc((out->pages + 1) * sizeof *out->crc);
        if (!out->crc) {
            fprintf(stderr, "upgrade-crash: no memory\n");
            exit(2);
        }
        const unsigned char *base = lo_ckpt_base(store);
        for (uint64_t p = 0; p < out->pages; p++)
            out->crc[p] = lo_crc32c(0, base + p * 4096, 4096);
    }
    lo_ckpt_close(store);
    lo_disk_close(disk);
    return status == LO_OK;
}

static bool same_versions(const struct lo_heap_versions *x,
                          const struct lo_heap_versions *y)
{
    return x->system == y->system && x->layout == y->layout &&
           !strcmp(x->release, y->release);
}

/* ---- a round ---- */

struct setup {
    const char *clean;
    struct image a;             /* CLEAN as it is: A's */
    struct lo_heap_versions b;  /* this program's */
};

enum outcome { OUT_A, OUT_B, OUT_BAD };

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Check the store at path, after an upgrade that did (opened) or did not
 * report success; what it was found to be, with what is wrong in why. */
static enum outcome check(const struct setup *s, const char *path,
                          bool opened, char *why, size_t why_len)
{
    struct image got = { 0 };
    if (!read_image(path, false, &got, why, why_len))
        return OUT_BAD;
    enum outcome o = same_versions(&got.versions, &s->a.versions) ? OUT_A
                     : same_versions(&got.versions, &s->b)       ? OUT_B
                                                                 : OUT_BAD;
    if (o == OUT_BAD) {
        snprintf(why, why_len, "it records system %016" PRIx64 ", layout %"
                 PRIu64 ", release \"%s\": neither A's nor B's",
                 got.versions.system, got.versions.layout,
                 got.versions.release);
        return o;
    }
    if (o == OUT_A && opened) {
        snprintf(why, why_len, "the open reported the upgrade done, but "
                 "the store is still A's");
        return OUT_BAD;
    }
    if (o == OUT_A) {
        if (!read_image(path, true, &got, why, why_len))
            return OUT_BAD;
        uint64_t differ = 0, first = 0;
        for (uint64_t p = 0; p < got.pages && p < s->a.pages; p++)
            if (got.crc[p] != s->a.crc[p] && !differ++)
                first = p;
        free(got.crc);
        if (differ || got.pages != s->a.pages) {
            snprintf(why, why_len, "it records A's versions but is not the "
                     "old store: %" PRIu64 " pages (A's: %" PRIu64 "), %"
                     PRIu64 " differ (the first: %" PRIu64 ")", got.pages,
                     s->a.pages, differ, first);
            return OUT_BAD;
        }
    }
    struct check_args ca = { .path = path, .expect_upgrade = o == OUT_A };
    int status = in_child(check_child, &ca, false);
    if (!WIFEXITED(status) || WEXITSTATUS(status) || !shared->checked) {
        snprintf(why, why_len, "B's check %s%s%s",
                 WIFSIGNALED(status) ? "died of signal " : "failed",
                 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "",
                 shared->why[0] ? ": " : "");
        size_t n = strlen(why);
        snprintf(why + n, why_len - n, "%s", shared->why);
        return OUT_BAD;
    }
    if (shared->why[0]) {
        snprintf(why, why_len, "%s: %s", o == OUT_A ? "A's" : "B's",
                 shared->why);
        return OUT_BAD;
    }
    return o;
}

/* How an upgrading child ended. */
enum ending { ENDED_BADLY, ENDED, PANICKED };

/* Upgrade a fresh copy of CLEAN through the faulty disk.  Once the power
 * is gone, a page read in panics (LO_CKPT_PANIC): SIGABRT, as a real
 * process would stop; any other death is wrong. */
static enum ending upgrade_copy(const struct setup *s, const char *path,
                                const struct upgrade_args *ua, char *why,
                                size_t why_len)
{
    copy_store(s->clean, path);
    int status = in_child(upgrade_child, ua, true);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && shared->returned)
        return ENDED;
    bool lost_power = ua->fault.power_loss_write || ua->fault.power_loss_flush;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && lost_power)
        return PANICKED;
    snprintf(why, why_len, "the upgrading child %s %d%s%s",
             WIFSIGNALED(status) ? "died of signal" : "exited with",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
             shared->why[0] ? ": " : "", shared->why);
    return ENDED_BADLY;
}

int main(int argc, char **argv)
{
    uint64_t rounds = 20, seed = (uint64_t)time(NULL), from_system = 0;
    double max_seconds = 600;
    const char *clean = NULL;
    snprintf(dir, sizeof dir, "%s", getenv("TMPDIR") ? getenv("TMPDIR")
                                                      : "/tmp");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc)
            clean = argv[++i];
        else if (!strcmp(argv[i], "--from-system") && i + 1 < argc)
            from_system = strtoull(argv[++i], NULL, 16);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc)
            max_seconds = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            snprintf(dir, sizeof dir, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
        else {
            fprintf(stderr, "usage: upgrade-crash --store CLEAN "
                    "--from-system HEX [--rounds N] [--seed S] "
                    "[--max-seconds T] [--dir DIR] [--verbose]\n");
            return 2;
        }
    }
    if (!clean || !from_system) {
        fprintf(stderr, "upgrade-crash: --store and --from-system are "
                "required (--help)\n");
        return 2;
    }
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        fprintf(stderr, "upgrade-crash: mmap: %s\n", strerror(errno));
        return 2;
    }
    char copy[600], why[1200];
    snprintf(copy, sizeof copy, "%s/upgrade-crash-%d.store", dir,
             (int)getpid());

    /* What A's store is, read from a copy (opening writes nothing, but
     * CLEAN is the caller's). */
    struct setup s = { .clean = clean };
    copy_store(clean, copy);
    if (!read_image(copy, true, &s.a, why, sizeof why)) {
        fprintf(stderr, "upgrade-crash: %s: %s\n", clean, why);
        unlink(copy);
        return 2;
    }
    s.b.system = lo_lisp_system_version();
    s.b.layout = LO_LAYOUT_VERSION;
    snprintf(s.b.release, sizeof s.b.release, "%s", lo_lisp_release());
    if (s.a.versions.system != from_system ||
        s.a.versions.system == s.b.system) {
        fprintf(stderr, "upgrade-crash: %s records system %016" PRIx64
                ", not A's %016" PRIx64 " (this program is %016" PRIx64
                ")\n", clean, s.a.versions.system, from_system, s.b.system);
        unlink(copy);
        free(s.a.crc);
        return 2;
    }
    printf("upgrade-crash: seed %" PRIu64 ", %" PRIu64 " rounds; A: %s "
           "(system %016" PRIx64 ", %" PRIu64 " pages), B: %s (system %016"
           PRIx64 ")\n", seed, rounds, s.a.versions.release,
           s.a.versions.system, s.a.pages, s.b.release, s.b.system);

    /* The dry runs: how many writes and flushes an upgrade makes. */
    for (size_t i = 0; i < NBUDGETS; i++)
        budgets[i] = s.a.pages * budgets16[i] / 16;
    uint64_t writes[NBUDGETS], flushes[NBUDGETS];
    int bad = 0;
    for (size_t i = 0; i < NBUDGETS; i++) {
        struct upgrade_args ua = { .path = copy, .frame_budget = budgets[i],
                                   .fault = { .seed = seed + i } };
        double t = now_s();
        if (upgrade_copy(&s, copy, &ua, why, sizeof why) != ENDED ||
            shared->open_status != LO_OK || !shared->upgraded) {
            printf("dry run, frame budget %" PRIu64 ": the upgrade failed: "
                   "%s\n", budgets[i], shared->why[0] ? shared->why : why);
            bad++;
            continue;
        }
        t = now_s() - t;
        writes[i] = shared->writes;
        flushes[i] = shared->flushes;
        printf("dry run, frame budget %" PRIu64 ": %" PRIu64 " writes (%"
               PRIu64 " before the commit), %" PRIu64 " flushes, %.2f s\n",
               budgets[i], writes[i], shared->writes_before_commit,
               flushes[i], t);
        if (check(&s, copy, true, why, sizeof why) != OUT_B) {
            printf("dry run, frame budget %" PRIu64 ": %s\n", budgets[i],
                   why);
            bad++;
        }
    }
    if (bad) {
        unlink(copy);
        free(s.a.crc);
        printf("upgrade-power: 0/%" PRIu64 " rounds consistent (the dry "
               "runs failed)\n", rounds);
        return 1;
    }

    uint64_t done = 0, consistent = 0, old = 0, new = 0, opened = 0,
             panicked = 0;
    double start = now_s();
    for (uint64_t round = 0; round < rounds; round++) {
        if (now_s() - start > max_seconds) {
            printf("upgrade-crash: stopped after %" PRIu64 " rounds: %.0f s "
                   "passed\n", done, max_seconds);
            break;
        }
        lo_rng r;
        lo_rng_seed(&r, seed + round);
        size_t i = (size_t)lo_rng_below(&r, NBUDGETS);
        struct upgrade_args ua = {
            .path = copy, .frame_budget = budgets[i],
            .fault = { .seed = lo_rng_next(&r),
                       .async_ns = lo_rng_below(&r, 4) ? 0 : 3000 },
        };
        char where[80];
        if (lo_rng_below(&r, 3) == 0 && flushes[i]) {
            ua.fault.power_loss_flush = 1 + lo_rng_below(&r, flushes[i]);
            snprintf(where, sizeof where, "flush %" PRIu64 " of %" PRIu64,
                     ua.fault.power_loss_flush, flushes[i]);
        } else {
            uint64_t w = writes[i] ? writes[i] : 1;
            uint64_t tail = w < 16 ? w : 16;
            ua.fault.power_loss_write = lo_rng_below(&r, 4)
                ? 1 + lo_rng_below(&r, w)
                : w - tail + 1 + lo_rng_below(&r, tail);
            snprintf(where, sizeof where, "write %" PRIu64 " of %" PRIu64,
                     ua.fault.power_loss_write, writes[i]);
        }
        why[0] = '\0';
        enum outcome o = OUT_BAD;
        double t0 = now_s();
        enum ending e = upgrade_copy(&s, copy, &ua, why, sizeof why);
        bool returned = e != ENDED_BADLY && shared->returned;
        bool succeeded = returned && shared->open_status == LO_OK;
        double t1 = now_s();
        if (returned && !succeeded && !shared->power_lost)
            snprintf(why, sizeof why, "the upgrade failed with the power "
                     "on: %s", shared->why);
        else if (e != ENDED_BADLY)
            o = check(&s, copy, succeeded, why, sizeof why);
        double t2 = now_s();
        done++;
        consistent += o != OUT_BAD;
        old += o == OUT_A;
        new += o == OUT_B;
        opened += succeeded;
        panicked += e == PANICKED;
        if (verbose || o == OUT_BAD)
            printf("round %" PRIu64 " (seed %" PRIu64 "): frame budget %"
                   PRIu64 ", power lost at %s: the open %s%s (%.2f s); %s "
                   "(checked in %.2f s)%s%s\n",
                   round, seed, budgets[i], where,
                   succeeded ? "succeeded"
                   : returned ? "failed" : "did not return",
                   e == PANICKED ? " (a panic, the power gone)" : "",
                   t1 - t0,
                   o == OUT_A ? "A's store" : o == OUT_B ? "B's store"
                                                         : "INCONSISTENT",
                   t2 - t1, o == OUT_BAD ? ": " : "",
                   o == OUT_BAD ? why : "");
    }
    unlink(copy);
    printf("upgrade-crash: %" PRIu64 " left A's store, %" PRIu64 " B's (%"
           PRIu64 " of those opens reported success); %" PRIu64 " upgrading "
           "children panicked once the power was gone\n", old, new, opened,
           panicked);
    printf("upgrade-power: %" PRIu64 "/%" PRIu64 " rounds consistent\n",
           consistent, done);
    free(s.a.crc);
    return consistent == done && done > 0 ? 0 : 1;
}
