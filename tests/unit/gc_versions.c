/*
 * gc_versions.c -- the heap root's version records (gc/heap.h,
 * "Versions", gc/versions.c): a new heap records the system version, the
 * layout version and the release, sealed by a checksum; every open
 * records its release; releases compare as semantic versions; the
 * decision an open makes (build, open, upgrade, refuse); a heap of a
 * greater layout version or a newer release, and one whose records are
 * damaged, are refused, clearly and before anything is written -- by
 * lo_heap_open, and by lispos-repl on a store file, which stays byte for
 * byte what it was; lispos-disk describe prints the records and the
 * decision, or says that a store has no heap yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "drivers/checksum.h"
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

/* Releases compare as semantic versions. */
static void release_order(void)
{
    static const char *const ascending[] = {
        "", "garbage", "0.1.0-rc.1", "0.1.0-rc.2", "0.1.0-rc.10", "0.1.0",
        "0.2.0-dev", "0.2.0-upgrade-a", "0.2.0-upgrade-b", "0.2.0",
        "0.2.1", "0.10.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0",
    };
    size_t n = sizeof ascending / sizeof ascending[0];
    int wrong = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = lo_release_compare(ascending[i], ascending[j]);
            int want = i < j ? -1 : i > j ? 1 : 0;
            if ((c > 0) - (c < 0) != want && !(i < 2 && j < 2)) {
                if (!wrong++)
                    diag("compare(\"%s\", \"%s\") = %d", ascending[i],
                         ascending[j], c);
            }
        }
    is_int(wrong, 0, "%zu releases sort as semver says (pre-releases "
           "first, numbers numerically, non-releases oldest)", n);
    is_int(lo_release_compare("0.1.0", "0.1.0"), 0, "equal releases");
    ok(lo_release_compare("0.1.0-rc.01", "0.1.0-rc.1") == 0,
       "numeric identifiers compare by value");
}

/* What lo_heap_decide says of the store now. */
static enum lo_heap_decision decide(lo_ckpt *c, uint64_t system,
                                    const char *release, int *status,
                                    char *why, size_t len)
{
    enum lo_heap_decision d;
    *status = lo_heap_decide(c, system, release, &d, NULL, why, len);
    return d;
}

/* Refused, and nothing written: the root page and the write count. */
static void refused(lo_ckpt *c, uint64_t system, const char *release,
                    int want_status, const char *want_text, const char *what)
{
    struct lo_heap_root *r = lo_ckpt_base(c);
    lo_ckpt_sync(c);
    memcpy(before, r, sizeof before);
    uint64_t faults = write_faults(c);
    char why[600];
    lo_heap *h;
    int fresh;
    int status = lo_heap_open(c, system, release, &h, &fresh, why,
                              sizeof why);
    is_int(status, want_status, "%s: refused", what);
    ok(strstr(why, want_text) != NULL, "%s: says \"%s\": %s", what,
       want_text, why);
    is_mem(r, before, sizeof before, "%s: the root page is as it was", what);
    is_uint(write_faults(c), faults, "%s: no page was written", what);
    if (status == LO_OK)
        lo_heap_close(h);
}

/* The decisions, the upgrade's side of opening, and the refusals. */
static void decisions(void)
{
    struct fixture fx = { 0 };
    fixture_store(&fx, 8192);
    lo_ckpt *c = fx.store;
    char why[600];
    int status;
    is_int(decide(c, 0x1111, "0.2.0", &status, why, sizeof why),
           LO_HEAP_BUILD, "a store without a heap: BUILD");
    lo_heap *h;
    int fresh;
    lo_heap_open(c, 0x1111, "0.2.0", &h, &fresh, why, sizeof why);
    lo_heap_close(h);
    struct lo_heap_root *r = lo_ckpt_base(c);
    struct lo_heap_root copy = *r;
    fixture_reseal_versions(&copy);
    ok(r->versions_crc != 0 && r->versions_crc == copy.versions_crc,
       "a new heap's records are sealed by their checksum");
    is_int(decide(c, 0x1111, "0.2.0", &status, why, sizeof why),
           LO_HEAP_OPEN, "its own program: OPEN");
    is_int(decide(c, 0x1111, "0.3.0", &status, why, sizeof why),
           LO_HEAP_OPEN, "a later release of the same system code: OPEN");
    is_int(decide(c, 0x2222, "0.3.0", &status, why, sizeof why),
           LO_HEAP_UPGRADE, "a later release of other system code: UPGRADE");
    char want[200];
    snprintf(want, sizeof want, "made by LispOS 0.2.0 (system code "
             "0000000000001111, layout %u); this is LispOS 0.3.0 (system "
             "code 0000000000002222, layout %u)", LO_LAYOUT_VERSION,
             LO_LAYOUT_VERSION);
    ok(status == LO_OK && strstr(why, want),
       "saying from what to what: %s", why);
    is_int(decide(c, 0x2222, "0.2.0", &status, why, sizeof why),
           LO_HEAP_UPGRADE, "the same release of other system code (a "
           "development build): UPGRADE");
    is_int(decide(c, 0x2222, "0.2.0-dev", &status, why, sizeof why),
           LO_HEAP_REFUSE, "an older release: REFUSE");
    is_int(status, LO_EINVAL, "as made by a newer LispOS");
    is_int(decide(c, 0x1111, "0.1.9", &status, why, sizeof why),
           LO_HEAP_REFUSE, "an older release of the same system code too");

    /* Upgrading: allowed, the heap opens and its records wait for the
     * upgrade to set them. */
    struct lo_heap_open_args args = { 0x2222, "0.3.0", true };
    enum lo_heap_decision d;
    is_int(lo_heap_open_with(c, &args, &h, &d, why, sizeof why), LO_OK,
           "lo_heap_open_with allow_upgrade opens it");
    is_int(d, LO_HEAP_UPGRADE, "saying it is to be upgraded");
    ok(r->system_version == 0x1111 && !strcmp(r->release, "0.2.0"),
       "its records still name the old system until the upgrade is done");
    lo_heap_set_versions(h, 0x2222, LO_LAYOUT_VERSION, "0.3.0");
    lo_heap_close(h);
    copy = *r;
    fixture_reseal_versions(&copy);
    ok(r->system_version == 0x2222 && !strcmp(r->release, "0.3.0") &&
       r->versions_crc == copy.versions_crc,
       "lo_heap_set_versions records the new ones, sealed");
    refused(c, 0x1111, "0.2.0", LO_EINVAL, "newer than this LispOS 0.2.0",
            "the old program on the upgraded heap");

    /* Damage: each record checked. */
    r->versions_crc ^= 1;
    refused(c, 0x2222, "0.3.0", LO_ECORRUPT, "checksum does not match",
            "a wrong checksum");
    r->versions_crc ^= 1;
    memcpy(r->release, "0.3.0\0\0x", 8);
    fixture_reseal_versions(r);
    refused(c, 0x2222, "0.3.0", LO_ECORRUPT, "release is not text",
            "bytes after the release's NUL");
    memcpy(r->release, "0.3.0\n", 7);
    fixture_reseal_versions(r);
    refused(c, 0x2222, "0.3.0", LO_ECORRUPT, "release is not text",
            "a control character in the release");
    memcpy(r->release, "0.3.0\0\0", 8);
    r->layout_version = 1u << 20;
    fixture_reseal_versions(r);
    refused(c, 0x2222, "0.3.0", LO_ECORRUPT, "layout version is implausible",
            "a layout version past 2^16");
    r->layout_version = LO_LAYOUT_VERSION + 1;
    fixture_reseal_versions(r);
    refused(c, 0x2222, "0.3.0", LO_EINVAL, "a newer LispOS made it",
            "an unknown layout step (one more than this build knows)");
    /* A heap of layout 0 made before the checksum existed: trusted, and
     * upgraded (through the layout steps) by this build of layout 1. */
    r->layout_version = 0;
    r->versions_crc = 0;
    is_int(decide(c, 0x2222, "0.3.0", &status, why, sizeof why),
           LO_HEAP_UPGRADE, "a heap of layout 0 made before the checksum: "
           "UPGRADE to layout %u", LO_LAYOUT_VERSION);
    ok(status == LO_OK && strstr(why, "layout 0); this is"),
       "from layout 0: %s", why);
    is_int(lo_heap_open_with(c, &args, &h, &d, why, sizeof why), LO_OK,
           "and opens to be upgraded");
    lo_heap_set_versions(h, 0x2222, LO_LAYOUT_VERSION, "0.3.0");
    lo_heap_close(h);
    copy = *r;
    fixture_reseal_versions(&copy);
    ok(r->layout_version == LO_LAYOUT_VERSION &&
       r->versions_crc == copy.versions_crc,
       "the upgrade records layout %u, sealed", LO_LAYOUT_VERSION);
    r->layout_version = LO_LAYOUT_VERSION;
    r->versions_crc = 0;
    refused(c, 0x2222, "0.3.0", LO_ECORRUPT, "checksum is missing",
            "a heap of layout 1 or later without the checksum");
    fixture_close(&fx);
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
    fixture_reseal_versions(r);
    lo_ckpt_sync(c);
    memcpy(before, r, sizeof before);
    faults = write_faults(c);
    is_int(lo_heap_open(c, 0x1111, "0.0.3", &h, &fresh, why, sizeof why),
           LO_EINVAL, "a heap of layout version 999 is refused");
    char up_to[32];
    snprintf(up_to, sizeof up_to, "up to %u", LO_LAYOUT_VERSION);
    ok(strstr(why, "layout 999") && strstr(why, up_to) &&
       strstr(why, "newer LispOS") && strstr(why, "0.0.2") &&
       strstr(why, "0.0.3"),
       "naming both layout versions and both releases: %s", why);
    is_int(lo_heap_open(c, 0x2222, "0.0.3", &h, &fresh, why, sizeof why),
           LO_EINVAL, "with other system code too");
    ok(strstr(why, "layout 999") != NULL,
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

    /* Made by other system code of an older release: describe says this
     * build would upgrade it, and lispos-repl --no-upgrade refuses it. */
    struct lo_heap_root *r = lo_ckpt_base(fx.store);
    struct lo_heap_root saved = *r;
    r->system_version ^= 0x5a5a;
    memset(r->release, 0, sizeof r->release);
    memcpy(r->release, "0.0.1", 5);
    fixture_reseal_versions(r);
    lo_ckpt_sync(fx.store);
    close_keep_file(&fx);
    snprintf(cmd, sizeof cmd, "%s/lispos-disk describe %s", build, fx.file);
    run(cmd, out, sizeof out);
    char upgrade_line[100];
    snprintf(upgrade_line, sizeof upgrade_line, "\nthis build:      would "
             "upgrade it in place (other system code, the same layout)\n");
    ok(strstr(out, upgrade_line) != NULL,
       "describe: this build would upgrade it");
    if (!strstr(out, "would upgrade"))
        diag("%s", out);
    size_t len, len_after;
    unsigned char *file = slurp(fx.file, &len);
    snprintf(cmd, sizeof cmd, "%s/lispos-repl --store %s --no-upgrade -e 1",
             build, fx.file);
    is_int(run(cmd, out, sizeof out), 1, "lispos-repl --no-upgrade refuses "
           "it (exit 1)");
    ok(strstr(out, "made by LispOS 0.0.1") &&
       strstr(out, "refusing, as --no-upgrade asks. Nothing was written"),
       "saying why: %.*s", (int)strcspn(out, "\n"), out);
    unsigned char *after = slurp(fx.file, &len_after);
    ok(len == len_after && !memcmp(file, after, len),
       "the store file is byte for byte what it was");
    free(file);
    free(after);
    if (lo_host_disk_open(fx.file, &o, &fx.disk) != LO_OK)
        bail_out("cannot reopen %s", fx.file);
    fixture_open_store(&fx, (struct lo_ckpt_options){ 0 });
    r = lo_ckpt_base(fx.store);
    *r = saved;

    ((struct lo_heap_root *)lo_ckpt_base(fx.store))->layout_version = 999;
    fixture_reseal_versions(lo_ckpt_base(fx.store));
    lo_ckpt_sync(fx.store);
    close_keep_file(&fx);

    snprintf(cmd, sizeof cmd, "%s/lispos-disk describe %s", build, fx.file);
    is_int(run(cmd, out, sizeof out), 0, "describe the store");
    char want[200];
    snprintf(want, sizeof want, "system version:  %016llx\n"
             "layout version:  999\nlast release:    %s\n"
             "this build:      refuses it: the heap was last opened by ",
             (unsigned long long)lo_lisp_system_version(), lo_lisp_release());
    ok(strstr(out, want) != NULL, "it shows the three records");
    if (!strstr(out, want))
        diag("%s", out);

    file = slurp(fx.file, &len);
    snprintf(cmd, sizeof cmd, "%s/lispos-repl --store %s -e 1", build,
             fx.file);
    is_int(run(cmd, out, sizeof out), 1,
           "lispos-repl refuses a store of layout version 999 (exit 1)");
    char up_to[32];
    snprintf(up_to, sizeof up_to, "up to %u", LO_LAYOUT_VERSION);
    ok(strstr(out, "layout 999") && strstr(out, up_to) &&
       strstr(out, "a newer LispOS made it"), "with the message: %.*s",
       (int)strcspn(out, "\n"), out);
    after = slurp(fx.file, &len_after);
    ok(len == len_after && !memcmp(file, after, len),
       "the store file is byte for byte what it was");
    free(file);
    free(after);
    fixture_close(&fx);
}

int main(void)
{
    release_order();
    heap_records();
    decisions();
    programs();
    return done_testing();
}
