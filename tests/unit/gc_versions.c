/*
 * gc_versions.c -- the heap root's version records (gc/heap.h,
 * "Versions"): a new heap records the system version, the layout version
 * and the release; every open records its release; a heap of a greater
 * layout version is refused, clearly and before anything is written --
 * by lo_heap_open, and by lispos-repl on a store file, which stays byte
 * for byte what it was; lispos-disk describe prints the records, or says
 * that a store has no heap yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "tests/helpers/fixture.h"
#include "tests/tap.h"

/* The page a refused open must leave as it was. */
static unsigned char before[LO_CKPT_PAGE];

static uint64_t write_faults(lo_ckpt *c)
{
    struct lo_ckpt_stats st;
    lo_ckpt_stats(c, &st);
    return st.write_faults;
}

/* The bare heap: what it records, and the refusal, on a RAM disk. */
static void heap_records(void)
{
    struct fixture fx = { 0 };
    fixture_store(&fx, 8192);
    lo_ckpt *c = fx.store;
    struct lo_heap_versions v;
    is_int(lo_heap_read_versions(c, &v), LO_ENOENT,
           "a new store holds no heap yet");

    char why[300];
    lo_heap *h;
    int fresh;
    is_int(lo_heap_open(c, 0x1111, "0.0.1", &h, &fresh, why, sizeof why),
           LO_OK, "open a new heap");
    lo_heap_close(h);
    is_int(lo_heap_read_versions(c, &v), LO_OK, "its records read back");
    ok(v.system == 0x1111 && v.layout == LO_LAYOUT_VERSION &&
       !strcmp(v.release, "0.0.1"),
       "it records the system version, layout version %u and the release "
       "(%llx, %llu, %s)", LO_LAYOUT_VERSION, (unsigned long long)v.system,
       (unsigned long long)v.layout, v.release);

    is_int(lo_heap_open(c, 0x1111, "0.0.2", &h, &fresh, why, sizeof why),
           LO_OK, "another release opens it");
    lo_heap_close(h);
    lo_heap_read_versions(c, &v);
    is_str(v.release, "0.0.2", "the release that last opened it is recorded");

    /* The same release again: the root page is not even written. */
    lo_ckpt_sync(c);
    uint64_t faults = write_faults(c);
    is_int(lo_heap_open(c, 0x1111, "0.0.2", &h, &fresh, why, sizeof why),
           LO_OK, "the same release opens it");
    lo_heap_close(h);
    is_uint(write_faults(c), faults,
            "and writes nothing when the records are already its own");

    /* A heap a newer LispOS made: refused, whatever its system code. */
    struct lo_heap_root *r = lo_ckpt_base(c);
    r->layout_version = 999;
    lo_ckpt_sync(c);
    memcpy(before, r, sizeof before);
    faults = write_faults(c);
    is_int(lo_heap_open(c, 0x1111, "0.0.3", &h, &fresh, why, sizeof why),
           LO_EINVAL, "a heap of layout version 999 is refused");
    ok(strstr(why, "layout version 999") && strstr(why, "up to 0") &&
       strstr(why, "newer LispOS") && strstr(why, "0.0.2") &&
       strstr(why, "0.0.3"),
       "naming both layout versions and both releases: %s", why);
    is_int(lo_heap_open(c, 0x2222, "0.0.3", &h, &fresh, why, sizeof why),
           LO_EINVAL, "with other system code too");
    ok(strstr(why, "layout version 999") != NULL,
       "the layout is what it names: %s", why);
    is_mem(r, before, sizeof before, "the root page is as it was");
    is_uint(write_faults(c), faults, "no page was written");
    lo_heap_read_versions(c, &v);
    ok(v.layout == 999 && !strcmp(v.release, "0.0.2"),
       "the records still say 999 and 0.0.2");

    r->magic = 0xdeadbeef;                  /* not a heap */
    is_int(lo_heap_read_versions(c, &v), LO_ECORRUPT,
           "a store holding something else has no records to read");
    fixture_close(&fx);
}

/* Run a command; its output (stdout and stderr) into out, its exit
 * status returned (-1 if it did not exit). */
static int run(const char *cmd, char *out, size_t len)
{
    char full[1200];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        bail_out("popen %s", cmd);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The whole file: to compare before and after. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        bail_out("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *data = malloc(*len ? *len : 1);
    if (!data || fread(data, 1, *len, f) != *len)
        bail_out("cannot read %s", path);
    fclose(f);
    return data;
}

/* Close the store and the disk, keeping the file for the programs. */
static void close_keep_file(struct fixture *fx)
{
    fixture_close_store(fx);
    lo_disk_close(fx->disk);
    fx->disk = NULL;
}

/* The whole system and the programs, on a store file. */
static void programs(void)
{
    const char *build = getenv("LISPOS_BUILD");
    if (!build || !*build)
        build = "build";
    char cmd[1000], out[4096];
    struct fixture fx = { 0 };
    if (!fixture_file_disk(&fx, 64 << 20)) {
        skip(8, "no scratch file under $TMPDIR");
        return;
    }
    fixture_open_store(&fx, (struct lo_ckpt_options){ .create = true });
    lo_ckpt_sync(fx.store);
    close_keep_file(&fx);
    snprintf(cmd, sizeof cmd, "%s/lispos-disk describe %s", build, fx.file);
    is_int(run(cmd, out, sizeof out), 0, "describe a store without a heap");
    ok(strstr(out, "heap:            none yet") != NULL,
       "it says it has no heap yet");
    if (!strstr(out, "none yet"))
        diag("%s", out);

    struct lo_disk_open_options o = { 0 };
    if (lo_host_disk_open(fx.file, &o, &fx.disk) != LO_OK)
        bail_out("cannot reopen %s", fx.file);
    fixture_open_store(&fx, (struct lo_ckpt_options){ 0 });
    fixture_open_lisp(&fx);
    lo_ckpt_sync(fx.store);
    struct lo_heap_versions v;
    lo_heap_read_versions(fx.store, &v);
    ok(v.system == lo_lisp_system_version() &&
       v.layout == LO_LAYOUT_VERSION &&
       !strcmp(v.release, lo_lisp_release()),
       "the Lisp's heap records this build's versions (%016llx, %llu, %s)",
       (unsigned long long)v.system, (unsigned long long)v.layout, v.release);
    lo_lisp_close(fx.L);
    fx.L = NULL;
    ((struct lo_heap_root *)lo_ckpt_base(fx.store))->layout_version = 999;
    lo_ckpt_sync(fx.store);
    close_keep_file(&fx);

    snprintf(cmd, sizeof cmd, "%s/lispos-disk describe %s", build, fx.file);
    is_int(run(cmd, out, sizeof out), 0, "describe the store");
    char want[200];
    snprintf(want, sizeof want, "system version:  %016llx\n"
             "layout version:  999\nlast release:    %s\n",
             (unsigned long long)lo_lisp_system_version(), lo_lisp_release());
    ok(strstr(out, want) != NULL, "it shows the three records");
    if (!strstr(out, want))
        diag("%s", out);

    size_t len, len_after;
    unsigned char *file = slurp(fx.file, &len);
    snprintf(cmd, sizeof cmd, "%s/lispos-repl --store %s -e 1", build,
             fx.file);
    is_int(run(cmd, out, sizeof out), 1,
           "lispos-repl refuses a store of layout version 999 (exit 1)");
    ok(strstr(out, "layout version 999") && strstr(out, "up to 0") &&
       strstr(out, "a newer LispOS made it"), "with the message: %.*s",
       (int)strcspn(out, "\n"), out);
    unsigned char *after = slurp(fx.file, &len_after);
    ok(len == len_after && !memcmp(file, after, len),
       "the store file is byte for byte what it was");
    free(file);
    free(after);
    fixture_close(&fx);
}

int main(void)
{
    heap_records();
    programs();
    return done_testing();
}
