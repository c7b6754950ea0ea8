/*
 * lispos-repl -- LispOS as a local, single-user program.
 *
 *   lispos-repl --store PATH [--size SIZE] [--no-upgrade]
 *               [--user NAME [--reset]] [--max-steps N] [--max-bytes SIZE] [--max-time SECONDS]
 *               [-e FORM]...
 *
 * Opens (or creates) the store on PATH -- a regular file (created sparse,
 * SIZE bytes, default 1G) or a block device -- and the Lisp system in it:
 * a cold boot on a new store, a warm start otherwise.  A store an older
 * LispOS made is upgraded in place first, in one line on stderr (from
 * what to what, how long); --no-upgrade refuses it instead, and a store a
 * newer LispOS made is always refused, with nothing written
 * (docs/releasing.md).  With -e, evaluates
 * each FORM in order and prints what it wrote to standard output (ended
 * by a newline when it did not end a line), then its value with prin1 and
 * a newline; an unhandled error prints one line "ERROR: TYPE: message"
 * (after the output) and exits 1.
 * Without -e, a REPL on stdin (a prompt only when stdin is a terminal).
 * --max-steps, --max-bytes and --max-time limit each evaluation (each -e
 * FORM, each form the REPL reads): past one, the evaluation fails with
 * RESOURCE-EXHAUSTED (lisp.h, lo_lisp_set_limits).
 * --user NAME evaluates in the global environment of user NAME, made on
 * first use; --reset first gives that user a fresh default environment,
 * keeping the old one as NAME.previous (docs/environments.md).  Without
 * --user, evaluations run in the system environment.
 * On normal exit the state is made durable (a snapshot, synced).
 *
 *   lispos-repl --version
 *
 * prints the release, the system code's version and the object layout
 * version (lisp.h, gc/heap.h): what a store opened here records.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "lisp/lisp.h"
#include "server/size_arg.h"
#include "server/version_arg.h"
#include "store/store_api.h"

static void usage(FILE *out)
{
    fputs("usage: lispos-repl --store PATH [--size SIZE] [--no-upgrade]\n"
          "                   [--user NAME [--reset]]\n"
          "                   [--max-steps N] [--max-bytes SIZE] [--max-time SECONDS]\n"
          "                   [-e FORM]...\n"
          "       lispos-repl --version | --help\n"
          "\n"
          "  --store PATH        the store: a file (created if missing) or a block device\n"
          "  --size SIZE         size of a new store file (default 1G; K, M, G, T suffixes)\n"
          "  --no-upgrade        refuse a store an older LispOS made instead of upgrading\n"
          "                      it in place (nothing is written)\n"
          "  --user NAME         evaluate in user NAME's environment (made on first use);\n"
          "                      without it, in the system environment\n"
          "  --reset             give the user a fresh default environment first (the old\n"
          "                      one is kept as NAME.previous)\n"
          "  --max-steps N       limit each evaluation to N VM steps (calls and loop turns)\n"
          "  --max-bytes SIZE    limit each evaluation to SIZE bytes allocated (K, M, G, T)\n"
          "  --max-time SECONDS  limit each evaluation to SECONDS of wall time (e.g. 0.5)\n"
          "  -e FORM             evaluate FORM and print its value; may be repeated\n"
          "  --version           print the release, the system code version and the\n"
          "                      object layout version, and exit\n"
          "\n"
          "An evaluation past a limit fails with RESOURCE-EXHAUSTED (after its\n"
          "unwind-protect cleanups).  No limits by default.\n"
          "\n"
          "Without -e, reads forms from standard input.  The state is made\n"
          "durable on exit.  See docs/lisp.md for what the language has so far.\n"
          "\n"
          "Environment: LISPOS_GC_STRESS=N collects at the first safepoint after\n"
          "N bytes were allocated (1: after every allocation) and verifies the\n"
          "heap after each collection.  For the crash tests of an upgrade:\n"
          "LISPOS_UPGRADE_PHASES=1 prints each phase of an upgrade as it starts\n"
          "(and when, from the first),\n"
          "and LISPOS_UPGRADE_KILL_AT=N kills the process (SIGKILL) at the Nth.\n",
          out);
}

/* What the evaluation wrote to standard output, then a fresh line (as
 * a Lisp REPL shows output before the value). */
static void show_output(lo_lisp *L)
{
    const char *text;
    size_t n = lo_lisp_take_output(L, &text);
    fwrite(text, 1, n, stdout);
    if (n && text[n - 1] != '\n')
        putchar('\n');
}

/* Evaluate one text; print its output, then the value or the error.
 * False on error. */
static int eval_print(lo_lisp *L, const char *text)
{
    static char out[1 << 16];
    int status = lo_lisp_eval_string(L, text, out, sizeof out);
    show_output(L);
    if (status != LO_OK) {
        printf("ERROR: %s\n", out);
        const char *trace;
        size_t n = lo_lisp_take_backtrace(L, &trace);
        if (n) {
            fflush(stdout);
            fputs("Backtrace:\n", stderr);
            fwrite(trace, 1, n, stderr);
            fflush(stderr);
        }
        return 0;
    }
    printf("%s\n", out);
    return 1;
}

/* Whether text holds at least one complete form (parentheses balanced,
 * strings and |symbols| closed): the REPL reads until then.  A character
 * such as #\; or #\( is not a comment or a parenthesis. */
static int complete(const char *text)
{
    int depth = 0, in_string = 0, seen = 0;
    for (const char *p = text; *p; p++) {
        if (in_string) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == in_string)
                in_string = 0;
        } else if (*p == '#' && p[1] == '\\' && p[2]) {
            p += 2;
            seen = 1;
        } else if (*p == '\\' && p[1]) {
            p++;
            seen = 1;
        } else if (*p == '|') {
            in_string = '|';
            seen = 1;
        } else if (*p == ';') {
            while (*p && *p != '\n')
                p++;
            if (!*p)
                break;
        } else if (*p == '"') {
            in_string = '"';
            seen = 1;
        } else if (*p == '(') {
            depth++;
            seen = 1;
        } else if (*p == ')') {
            depth--;
        } else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            seen = 1;
        }
    }
    return seen && depth <= 0 && !in_string;
}

static int repl(lo_lisp *L)
{
    int tty = isatty(0), status = 0;
    static char text[1 << 20];
    size_t len = 0;
    text[0] = '\0';
    if (tty)
        fputs("* ", stdout);
    fflush(stdout);
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (len + n + 1 > sizeof text) {
            printf("ERROR: READER-ERROR: input form larger than %zu bytes\n",
                   sizeof text);
            len = 0;
            continue;
        }
        memcpy(text + len, line, n + 1);
        len += n;
        if (!complete(text))
            continue;
        if (!eval_print(L, text))
            status = 1;
        len = 0;
        text[0] = '\0';
        if (tty)
            fputs("* ", stdout);
        fflush(stdout);
    }
    if (len && text[strspn(text, " \t\r\n")] && !eval_print(L, text))
        status = 1;
    return status;
}

/* "2.5" seconds -> nanoseconds; 0 on a malformed or non-positive time. */
static uint64_t parse_seconds(const char *text)
{
    char *end;
    errno = 0;
    double s = strtod(text, &end);
    if (errno || end == text || *end || !(s > 0) || s > 1e9)
        return 0;
    uint64_t ns = (uint64_t)(s * 1e9);
    return ns ? ns : 1;
}

/* A positive count; 0 when malformed. */
static uint64_t parse_count(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-')
        return 0;
    return n;
}

/*
 * The upgrade's phases, as the open announces them (lisp.h, progress):
 * for the crash tests, LISPOS_UPGRADE_KILL_AT=N kills this process with
 * SIGKILL as the Nth phase starts, and LISPOS_UPGRADE_PHASES=1 prints
 * each phase on stderr.
 */
static void upgrade_phase(void *ctx, const char *phase)
{
    static int count;
    static uint64_t started;
    const char *kill_at = getenv("LISPOS_UPGRADE_KILL_AT");
    if (!count++)
        started = lo_clock_ns();
    if (getenv("LISPOS_UPGRADE_PHASES")) {
        struct lo_ckpt_stats st;
        lo_ckpt_stats(ctx, &st);
        fprintf(stderr, "upgrade phase %d at %.3f s (%llu pages read, %llu "
                "written to, last snapshot %llu pages): %s\n", count,
                (double)(lo_clock_ns() - started) / 1e9,
                (unsigned long long)st.page_ins,
                (unsigned long long)st.write_faults,
                (unsigned long long)st.last_snapshot_pages, phase);
    }
    if (kill_at && atoi(kill_at) == count)
        raise(SIGKILL);
}

/* The one line an upgrade in place prints: from what, to what, how long. */
static void print_upgrade(const char *path,
                          const struct lo_lisp_open_report *r)
{
    fprintf(stderr, "lispos-repl: %s: upgraded from %s (system %016llx, "
            "layout %llu) to %s (system %016llx, layout %llu) in %.2f s",
            path, r->from.release[0] ? r->from.release : "an unknown release",
            (unsigned long long)r->from.system,
            (unsigned long long)r->from.layout, r->to.release,
            (unsigned long long)r->to.system,
            (unsigned long long)r->to.layout, (double)r->ns / 1e9);
    if (r->dangling)
        fprintf(stderr, "; %llu user function%s call%s a system function "
                "this release removed (%s)", (unsigned long long)r->dangling,
                r->dangling == 1 ? "" : "s", r->dangling == 1 ? "s" : "",
                r->dangling_example);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t size = 1ull << 30;
    const char *forms[argc > 0 ? argc : 1];
    int nforms = 0;
    struct lo_limits limits = { 0 };
    const char *user = NULL;
    bool reset = false;
    struct lo_lisp_open_options open_options = {
        .progress = upgrade_phase };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            lo_print_version(stdout, "lispos-repl");
            return 0;
        } else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
            path = argv[++i];
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (!(size = lo_parse_size(argv[++i]))) {
                fprintf(stderr, "lispos-repl: bad --size '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--max-steps") && i + 1 < argc) {
            if (!(limits.steps = parse_count(argv[++i]))) {
                fprintf(stderr, "lispos-repl: bad --max-steps '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--max-bytes") && i + 1 < argc) {
            if (!(limits.bytes = lo_parse_size(argv[++i]))) {
                fprintf(stderr, "lispos-repl: bad --max-bytes '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--max-time") && i + 1 < argc) {
            if (!(limits.wall_ns = parse_seconds(argv[++i]))) {
                fprintf(stderr, "lispos-repl: bad --max-time '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
            user = argv[++i];
        } else if (!strcmp(argv[i], "--reset")) {
            reset = true;
        } else if (!strcmp(argv[i], "--no-upgrade")) {
            open_options.no_upgrade = true;
        } else if (!strcmp(argv[i], "-e") && i + 1 < argc) {
            forms[nforms++] = argv[++i];
        } else {
            fprintf(stderr, "lispos-repl: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "lispos-repl: --store PATH is required\n");
        usage(stderr);
        return 2;
    }
    if (reset && !user) {
        fprintf(stderr, "lispos-repl: --reset needs --user NAME\n");
        return 2;
    }
    char previous[80];
    if (user && (!*user || strlen(user) > 55 || strpbrk(user, " \t\n"))) {
        fprintf(stderr, "lispos-repl: bad user name '%s' (1 to 55 printable "
                "characters, no blanks)\n", user);
        return 2;
    }

    struct lo_disk_open_options dopt = { .create = true, .size_bytes = size };
    if (access(path, F_OK) == 0)
        dopt.size_bytes = 0;            /* an existing file keeps its size */
    lo_disk *disk;
    int status = lo_host_disk_open(path, &dopt, &disk);
    if (status != LO_OK) {
        fprintf(stderr, "lispos-repl: cannot open %s: %s\n", path,
                lo_strerror(status));
        return 1;
    }
    char why[1024];
    struct lo_ckpt_options copt = { .create = true };
    lo_ckpt *store;
    if (lo_ckpt_open(disk, &copt, &store, why, sizeof why) != LO_OK) {
        fprintf(stderr, "lispos-repl: %s: %s\n", path, why);
        return 1;
    }
    lo_lisp *L;
    struct lo_lisp_open_report report;
    open_options.progress_ctx = store;
    if (lo_store_register() != LO_OK) {
        fprintf(stderr, "lispos-repl: cannot register the object store\n");
        return 1;
    }
    if (lo_lisp_open_with(store, &open_options, &L, &report, why,
                          sizeof why) != LO_OK) {
        fprintf(stderr, "lispos-repl: %s: %s\n", path, why);
        return 1;
    }
    if (report.upgraded)
        print_upgrade(path, &report);

    const char *stress = getenv("LISPOS_GC_STRESS");
    if (stress && *stress)
        lo_lisp_gc_stress(L, strtoull(stress, NULL, 10));
    lo_lisp_set_limits(L, &limits);
    if (user) {
        snprintf(previous, sizeof previous, "%s.previous", user);
        status = reset ? lo_lisp_reset_user(L, user, previous) : LO_OK;
        if (status == LO_OK)
            status = lo_lisp_set_user(L, user);
        if (status != LO_OK) {
            fprintf(stderr, "lispos-repl: cannot use the environment of %s: "
                    "%s\n", user, lo_strerror(status));
            lo_lisp_close(L);
            lo_ckpt_close(store);
            lo_disk_close(disk);
            return 1;
        }
    }

    int ok = 1;
    if (nforms) {
        for (int i = 0; i < nforms && ok; i++)
            ok = eval_print(L, forms[i]);
    } else {
        ok = repl(L) == 0;
    }
    fflush(stdout);
    /* Durable on exit, error or not: what was done stays done. */
    if (lo_ckpt_sync(store) != LO_OK) {
        fprintf(stderr, "lispos-repl: making the state durable failed: %s\n",
                lo_ckpt_failure(store));
        ok = 0;
    }
    lo_lisp_close(L);
    lo_ckpt_close(store);
    lo_disk_close(disk);
    return ok ? 0 : 1;
}
