/*
 * lisp_migrate.c -- the numbered layout migration steps (lisp/migrate.c,
 * docs/upgrade.md "Writing a migration step"), run on heaps of the
 * layout before them.
 *
 * Step 1 ("code objects may carry their source"): users' code objects
 * may have a 7th value word, CODE_SOURCE, and their bytes start after
 * the value words the header counts.  A heap of layout 0 holds only code
 * objects of 6 value words, which stay valid: the step reads nothing and
 * rewrites nothing.  Checked here:
 *   - the list: one step per layout version, step 1 says what it does
 *     and what it reads; lo_migrate_heap and lo_migrate_lisp run the
 *     steps after a layout and succeed;
 *   - a heap whose root records layout 0 (made by this build, the record
 *     edited and resealed): the open upgrades it through step 1
 *     (lo_lisp_open_with's report: from layout 0, one step, to layout
 *     LO_LAYOUT_VERSION), the records say so, sealed, the heap verifies,
 *     users' code runs, and the next open opens it as it is;
 *   - the 0.1.0 release fixture (tests/upgrade/releases/0.1.0/store.xz,
 *     a real heap of layout 0, unpacked with xz into TMPDIR): upgraded
 *     the same way; its users' code objects of 6 value words are still
 *     there and run, FUNCTION-LAMBDA-EXPRESSION gives them no source,
 *     code compiled after the upgrade keeps its own, and the heap
 *     verifies.  Skipped without xz, and under TSAN (whose region base
 *     differs from the normal build's that made the fixture).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/checksum.h"
#include "gc/gc.h"
#include "lisp/environment.h"
#include "lisp/internal.h"
#include "lisp/migrate.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

#define FIXTURE "tests/upgrade/releases/0.1.0/store.xz"

/* Whether the version records of r are sealed by their checksum. */
static bool sealed(const struct lo_heap_root *r)
{
    struct lo_heap_root copy = *r;
    fixture_reseal_versions(&copy);
    return r->versions_crc == copy.versions_crc;
}

/* A full collection, then the heap checked word by word. */
static void collect_and_verify(lo_lisp *L, const char *when)
{
    struct lo_gc_result r;
    is_int(lo_lisp_collect(L, &r), LO_OK, "%s: a collection", when);
    const char *why = "";
    uintptr_t bad = lo_gc_verify(L->W->heap, &why);
    ok(bad == 0, "%s: the heap verifies %s", when, why);
}

/* Open the Lisp on the store, with the report. */
static lo_lisp *open_reporting(lo_ckpt *store,
                               struct lo_lisp_open_report *report)
{
    lo_lisp *L;
    char why[600];
    if (lo_lisp_open_with(store, NULL, &L, report, why, sizeof why) !=
        LO_OK)
        bail_out("cannot open the Lisp: %s", why);
    return L;
}

/* ---- the list ---- */

static void the_list(void)
{
    ok(lo_migration_step(0) == NULL &&
       lo_migration_step(LO_LAYOUT_VERSION + 1) == NULL,
       "no step brings a heap to layout 0, none past %u", LO_LAYOUT_VERSION);
    int whole = 0;
    for (unsigned to = 1; to <= LO_LAYOUT_VERSION; to++) {
        const struct lo_migration *m = lo_migration_step(to);
        if (m && m->to == to && m->what && *m->what && m->reads &&
            *m->reads)
            whole++;
        else
            diag("step %u: missing, misnumbered, or saying nothing", to);
    }
    is_int(whole, (int)LO_LAYOUT_VERSION, "one step per layout version, "
           "each saying what it changes and what it reads");
    const struct lo_migration *one = lo_migration_step(1);
    ok(one && !strcmp(one->what, "code objects may carry their source") &&
       !strcmp(one->reads, "nothing") && !one->heap_step && !one->lisp_step,
       "step 1: code objects may carry their source; it reads nothing and "
       "has nothing to rewrite");

    /* the runners, on a bare heap and on a Lisp */
    struct fixture fx = { 0 };
    fixture_heap(&fx, 8192, 0x1111);
    char why[300] = "";
    is_int(lo_migrate_heap(fx.heap, 0, why, sizeof why), LO_OK,
           "lo_migrate_heap from layout 0 succeeds %s", why);
    is_int(lo_migrate_heap(fx.heap, LO_LAYOUT_VERSION, why, sizeof why),
           LO_OK, "and from this layout, running nothing");
    fixture_close(&fx);
}

/* ---- a heap whose root records layout 0 ---- */

static void recorded_layout_0(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 32768);
    fixture_as(fx.L, "alice");
    fixture_setup(fx.L, "(defun tripled (x) (* 3 x))");
    fixture_setup(fx.L, "(defvar *adder* (let ((n 10)) (lambda (x) (+ x n))))");
    char why[300] = "";
    is_int(lo_migrate_lisp(fx.L, 0, why, sizeof why), LO_OK,
           "lo_migrate_lisp from layout 0 succeeds %s", why);
    lo_ckpt_sync(fx.store);
    lo_lisp_close(fx.L);
    fx.L = NULL;

    struct lo_heap_root *r = lo_ckpt_base(fx.store);
    r->layout_version = 0;
    fixture_reseal_versions(r);
    struct lo_heap_versions v;
    lo_heap_read_versions(fx.store, &v);
    is_uint(v.layout, 0, "the root now records layout 0");

    struct lo_lisp_open_report report;
    fx.L = open_reporting(fx.store, &report);
    ok(report.upgraded, "the open upgrades it");
    ok(report.from.layout == 0 && report.layout_steps == LO_LAYOUT_VERSION,
       "from layout 0, through %u step(s) (report: from %llu, %u)",
       LO_LAYOUT_VERSION, (unsigned long long)report.from.layout,
       report.layout_steps);
    lo_heap_read_versions(fx.store, &v);
    ok(v.layout == LO_LAYOUT_VERSION && sealed(r),
       "the root records layout %u, sealed", LO_LAYOUT_VERSION);
    collect_and_verify(fx.L, "upgraded");
    fixture_as(fx.L, "alice");
    eval_is(fx.L, "(list (tripled 5) (funcall *adder* 1) "
            "(function-lambda-expression #'tripled))",
            "(15 11 (LAMBDA (X) (BLOCK TRIPLED (* 3 X))))",
            "alice's code runs and keeps its source");
    lo_lisp_close(fx.L);
    fx.L = open_reporting(fx.store, &report);
    ok(!report.upgraded && report.layout_steps == 0,
       "the next open opens it as it is");
    fixture_close(&fx);
}

/* ---- the 0.1.0 fixture: a real heap of layout 0 ---- */

struct census {
    lo_value system;            /* the system environment */
    uint64_t users_bare;        /* users' code objects of 6 value words */
    uint64_t with_source;
};

static void count_code(uint64_t *object, void *ctx)
{
    struct census *c = ctx;
    if ((object[0] & 0xff) != LO_T_CODE)
        return;
    if (lo_code_has_source(object))
        c->with_source++;
    else if (!lo_eq(object[CODE_ENV], c->system))
        c->users_bare++;
}

static struct census census(lo_lisp *L)
{
    struct census c = { lo_system_env(L), 0, 0 };
    if (!lo_heap_for_each_object(L->W->heap, count_code, &c))
        bail_out("the heap walk stopped on a malformed header");
    return c;
}

static bool unpack_fixture(struct fixture *fx)
{
    if (access(FIXTURE, R_OK) != 0 || system("xz --version >/dev/null 2>&1"))
        return false;
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->file, sizeof fx->file, "%s/lispos-migrate-%d.store",
             tmp && *tmp ? tmp : "/tmp", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "xz -dc %s | cp --sparse=always /dev/stdin %s",
             FIXTURE, fx->file);
    if (system(cmd) != 0)
        bail_out("cannot unpack %s", FIXTURE);
    struct lo_disk_open_options o = { 0 };
    if (lo_host_disk_open(fx->file, &o, &fx->disk) != LO_OK)
        bail_out("cannot open %s", fx->file);
    fixture_open_store(fx, (struct lo_ckpt_options){ 0 });
    return true;
}

#ifdef LO_TSAN
enum { TSAN_BUILD = 1 };
#else
enum { TSAN_BUILD = 0 };
#endif

static void release_fixture(void)
{
    if (TSAN_BUILD) {
        skip(1, "the 0.1.0 fixture: a TSAN build places the region "
             "elsewhere");
        return;
    }
    struct fixture fx = { 0 };
    if (!unpack_fixture(&fx)) {
        skip(1, "the 0.1.0 fixture: no %s, or no xz", FIXTURE);
        return;
    }
    struct lo_heap_versions v;
    lo_heap_read_versions(fx.store, &v);
    is_uint(v.layout, 0, "the 0.1.0 fixture is a heap of layout 0");
    struct lo_lisp_open_report report;
    fx.L = open_reporting(fx.store, &report);
    ok(report.upgraded && report.from.layout == 0 &&
       report.layout_steps == LO_LAYOUT_VERSION,
       "this build upgrades it, from layout 0 through %u step(s)",
       LO_LAYOUT_VERSION);
    lo_heap_read_versions(fx.store, &v);
    ok(v.layout == LO_LAYOUT_VERSION && sealed(lo_ckpt_base(fx.store)),
       "to layout %u, sealed", LO_LAYOUT_VERSION);
    struct census c = census(fx.L);
    ok(c.users_bare > 0 && c.with_source == 0,
       "its users' code objects are layout 0's, 6 value words and no "
       "source (%llu)", (unsigned long long)c.users_bare);
    fixture_as(fx.L, "alice");
    eval_is(fx.L, "(greet \"world\")", "\"hello, WORLD\"",
            "alice's old code runs");
    eval_is(fx.L, "(multiple-value-list (function-lambda-expression "
            "#'greet))", "(NIL NIL GREET)",
            "FUNCTION-LAMBDA-EXPRESSION: no source for it, its name");
    fixture_setup(fx.L, "(defun greet-twice (x) (list (greet x) (greet x)))");
    eval_is(fx.L, "(list (greet-twice \"a\") (function-lambda-expression "
            "#'greet-twice))", "((\"hello, A\" \"hello, A\") (LAMBDA (X) "
            "(BLOCK GREET-TWICE (LIST (GREET X) (GREET X)))))",
            "new code calls it, and keeps its own source");
    c = census(fx.L);
    ok(c.users_bare > 0 && c.with_source == 1,
       "old and new code objects side by side (%llu and %llu)",
       (unsigned long long)c.users_bare,
       (unsigned long long)c.with_source);
    collect_and_verify(fx.L, "the upgraded fixture");
    eval_is(fx.L, "(greet-twice \"b\")", "(\"hello, B\" \"hello, B\")",
            "after the collection, both run");
    fixture_close(&fx);
}

int main(void)
{
    the_list();
    recorded_layout_0();
    release_fixture();
    return done_testing();
}
