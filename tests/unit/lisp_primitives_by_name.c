/*
 * lisp_primitives_by_name.c -- a heap's primitive objects are bound to
 * the running binary's table by name at every open (lisp/primitives.c),
 * so one store opens in programs that register different modules of
 * primitives (lo_lisp_register_primitives):
 *
 *   - made without an extra module, opened with it: the new primitive is
 *     callable by name, and a #'CAR kept in a variable still calls CAR;
 *   - made with it, opened without: calling it by name, or through the
 *     primitive object kept in a variable, signals UNDEFINED-FUNCTION
 *     naming it ("was removed from LispOS"), and DOCUMENTATION and
 *     DESCRIBE still answer;
 *   - opened with it again: the same object works again, and the
 *     registry (the root "lisp:primitives") has not grown;
 *   - a plain reopen writes no page;
 *   - a heap whose registry root is gone (as a heap made before the
 *     registry existed) gets it back from one walk over the heap, with
 *     the same objects.
 *
 * The table of primitives is built once per process, at the first open,
 * so each opening runs in a child process (fork, before any Lisp exists
 * in the parent), which registers the module or not, opens the store
 * file, evaluates forms and reports through a pipe; the parent makes the
 * TAP checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "lisp/api.h"
#include "lisp/lisp.h"
#include "lisp/primitive.h"
#include "tests/tap.h"

#define REGISTRY "lisp:primitives"
#define EXTRA_DOC "A primitive of a module only some programs register."

/* (primitive-test-extra): the module's one primitive. */
LO_PRIMITIVE(p_extra, "PRIMITIVE-TEST-EXTRA", LISPOS, ANY, 0, 0, "()",
             EXTRA_DOC)
{
    lo_scope s = lo_scope_open(L);
    lo_value v = lo_ref_value(lo_new_string(L, "extra here", 10));
    lo_scope_close(L, s);
    return v;
}

static const struct lo_primitive *const extra_module[] = {
    LO_ROW(p_extra),
    NULL,
};

/* ---- the child: one opening of the store ---- */

enum { MAX_FORMS = 16 };

struct run {
    bool extra;                 /* register the module */
    bool drop_registry;         /* take the registry's root away first */
    const char *forms[MAX_FORMS];
};

/* What a child reports. */
struct report {
    bool opened;
    char why[300];
    long long open_faults;      /* write faults while the Lisp opened */
    long long registry;         /* primitive objects in the registry */
    int registry_frozen;
    int status[MAX_FORMS];
    char out[MAX_FORMS][400];
    int nforms;
};

static lo_value *named_root(lo_ckpt *store, const char *name)
{
    if (lo_ckpt_page_count(store) == 0)
        return NULL;
    struct lo_heap_root *r = lo_ckpt_base(store);
    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        if (!strcmp(r->root_names[i], name))
            return &r->roots[i];
    return NULL;
}

/* Forget the registry's root, as a heap made before it existed has none:
 * its slot is free again. */
static void drop_registry(lo_ckpt *store)
{
    struct lo_heap_root *r = lo_ckpt_base(store);
    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        if (!strcmp(r->root_names[i], REGISTRY)) {
            memset(r->root_names[i], 0, sizeof r->root_names[i]);
            r->roots[i] = 0;
        }
}

static uint64_t write_faults(lo_ckpt *store)
{
    struct lo_ckpt_stats s;
    lo_ckpt_stats(store, &s);
    return s.write_faults;
}

static void child(const char *path, const struct run *run, FILE *out)
{
    if (run->extra &&
        lo_lisp_register_primitives("primitive-test", extra_module) != LO_OK) {
        fprintf(out, "fail\tcannot register the module\n");
        return;
    }
    struct lo_disk_open_options dopt = { .create = true,
                                         .size_bytes = 64ull << 20 };
    if (access(path, F_OK) == 0)
        dopt.size_bytes = 0;
    lo_disk *disk;
    lo_ckpt *store;
    char why[300];
    if (lo_host_disk_open(path, &dopt, &disk) != LO_OK) {
        fprintf(out, "fail\tcannot open %s\n", path);
        return;
    }
    struct lo_ckpt_options copt = { .create = true };
    if (lo_ckpt_open(disk, &copt, &store, why, sizeof why) != LO_OK) {
        fprintf(out, "fail\t%s\n", why);
        lo_disk_close(disk);
        return;
    }
    if (run->drop_registry)
        drop_registry(store);
    uint64_t faults = write_faults(store);
    lo_lisp *L;
    if (lo_lisp_open(store, &L, why, sizeof why) != LO_OK) {
        fprintf(out, "fail\t%s\n", why);
        lo_ckpt_close(store);
        lo_disk_close(disk);
        return;
    }
    fprintf(out, "opened\t%llu\n",
            (unsigned long long)(write_faults(store) - faults));
    lo_value *registry = named_root(store, REGISTRY);
    long long count = -1;
    int frozen = 0;
    if (registry && (*registry & 7) == 3) {
        uint64_t *v = lo_value_address(*registry);
        count = (long long)(v[1] >> 2);
        frozen = (v[0] & LO_HEADER_FROZEN) != 0;
    }
    fprintf(out, "registry\t%lld\t%d\n", count, frozen);
    for (int i = 0; i < MAX_FORMS && run->forms[i]; i++) {
        char result[400];
        int status = lo_lisp_eval_string(L, run->forms[i], result,
                                         sizeof result);
        for (char *c = result; *c; c++)
            if (*c == '\n' || *c == '\t')
                *c = ' ';
        fprintf(out, "form\t%d\t%s\n", status, result);
    }
    lo_ckpt_sync(store);
    lo_lisp_close(L);
    lo_ckpt_close(store);
    lo_disk_close(disk);
}

/* ---- the parent ---- */

static struct report open_store(const char *path, const struct run *run)
{
    struct report r = { 0 };
    int fds[2];
    if (pipe(fds) != 0)
        bail_out("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        close(fds[0]);
        FILE *out = fdopen(fds[1], "w");
        child(path, run, out);
        fclose(out);
        _exit(0);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[1024];
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        const char *rest = tab ? tab + 1 : "";
        if (!strncmp(line, "fail\t", 5)) {
            snprintf(r.why, sizeof r.why, "%s", rest);
        } else if (!strncmp(line, "opened\t", 7)) {
            r.opened = true;
            r.open_faults = atoll(rest);
        } else if (!strncmp(line, "registry\t", 9)) {
            sscanf(rest, "%lld\t%d", &r.registry, &r.registry_frozen);
        } else if (!strncmp(line, "form\t", 5) && r.nforms < MAX_FORMS) {
            r.status[r.nforms] = atoi(rest);
            const char *text = strchr(rest, '\t');
            snprintf(r.out[r.nforms], sizeof r.out[0], "%s",
                     text ? text + 1 : "");
            r.nforms++;
        }
    }
    fclose(in);
    int wstatus;
    waitpid(pid, &wstatus, 0);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        snprintf(r.why, sizeof r.why, "the child died (status %d)", wstatus);
    if (!r.opened)
        bail_out("cannot open the store: %s", r.why);
    return r;
}

/* Form i of the run printed exactly want (status LO_OK or not). */
static void form_is(const struct report *r, int i, bool succeeds,
                    const char *want, const char *name)
{
    bool pass = i < r->nforms && (r->status[i] == LO_OK) == succeeds &&
                !strcmp(r->out[i], want);
    ok(pass, "%s", name);
    if (!pass)
        diag("form %d: got %s \"%s\", want %s \"%s\"", i,
             i < r->nforms && r->status[i] == LO_OK ? "success" : "failure",
             i < r->nforms ? r->out[i] : "(not run)",
             succeeds ? "success" : "failure", want);
}

#define REMOVED_DOC "Removed from LispOS: this build has no such " \
    "function, and calling it signals UNDEFINED-FUNCTION."
#define REMOVED "UNDEFINED-FUNCTION: the function " \
    "LISPOS:PRIMITIVE-TEST-EXTRA was removed from LispOS"

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[300];
    snprintf(path, sizeof path, "%s/lispos-prims-%d.store",
             tmp && *tmp ? tmp : "/tmp", (int)getpid());
    unlink(path);

    /* 1. Made without the module. */
    struct run made = { .forms = { "(progn (defvar *saved-car* #'car) t)" } };
    struct report base = open_store(path, &made);
    form_is(&base, 0, true, "T", "made without the module; #'CAR kept");
    ok(base.registry > 300 && base.registry_frozen,
       "the registry holds every primitive (%lld), frozen", base.registry);

    struct run plain = { .forms = { "(funcall *saved-car* '(1 2))" } };
    struct report r = open_store(path, &plain);
    is_int(r.open_faults, 0, "a plain reopen writes no page");
    is_int(r.registry, base.registry, "nor grows the registry");

    /* 2. Opened with it. */
    struct run with = { .extra = true, .forms = {
        "(primitive-test-extra)",
        "(funcall *saved-car* '(1 2))",
        "(eq *saved-car* #'car)",
        "(progn (defvar *saved-extra* #'primitive-test-extra) t)",
        "(documentation 'primitive-test-extra 'function)",
        "(lispos-internal::%system-object-p #'primitive-test-extra)",
        "(mapcar #'car '((1) (2)))",
    } };
    r = open_store(path, &with);
    form_is(&r, 0, true, "\"extra here\"",
            "opened with the module: its primitive is callable by name");
    form_is(&r, 1, true, "1", "the #'CAR kept before still calls CAR");
    form_is(&r, 2, true, "T", "and is still the function CAR");
    form_is(&r, 3, true, "T", "the new primitive is kept in a variable");
    form_is(&r, 4, true, "\"" EXTRA_DOC "\"", "it has its documentation");
    form_is(&r, 5, true, "T", "it is the system's (frozen)");
    form_is(&r, 6, true, "(1 2)", "the others work as before");
    is_int(r.registry, base.registry + 1, "the registry gained one object");
    ok(r.registry_frozen, "the new registry is frozen too");
    long long with_count = r.registry;

    struct run again = { .extra = true, .forms = {
        "(funcall *saved-extra*)" } };
    r = open_store(path, &again);
    is_int(r.open_faults, 0, "a plain reopen with the module writes no page");
    form_is(&r, 0, true, "\"extra here\"", "and the kept primitive works");

    /* 3. Opened without it. */
    struct run without = { .forms = {
        "(primitive-test-extra)",
        "(funcall *saved-extra*)",
        "(handler-case (funcall *saved-extra*)"
        "  (undefined-function (c) (cell-error-name c)))",
        "(documentation 'primitive-test-extra 'function)",
        "(progn (describe *saved-extra*) (describe 'primitive-test-extra) t)",
        "(lispos-internal::%primitive-privilege *saved-extra*)",
        "(funcall *saved-car* '(3 4))",
        "(progn (defun call-extra () (primitive-test-extra)) t)",
        "(call-extra)",
        "(car '(5 6))",
    } };
    r = open_store(path, &without);
    form_is(&r, 0, false, REMOVED,
            "opened without the module: calling it by name signals "
            "UNDEFINED-FUNCTION naming it");
    form_is(&r, 1, false, REMOVED, "so does calling the object kept");
    form_is(&r, 2, true, "PRIMITIVE-TEST-EXTRA",
            "a handler gets its name from the condition");
    form_is(&r, 3, true, "\"" REMOVED_DOC "\"",
            "DOCUMENTATION says it was removed");
    form_is(&r, 4, true, "T", "DESCRIBE does not fail");
    form_is(&r, 5, true, "NIL", "it has no privilege any more");
    form_is(&r, 6, true, "3", "the #'CAR kept still calls CAR");
    form_is(&r, 7, true, "T", "code calling it compiles");
    form_is(&r, 8, false, REMOVED, "and signals when run");
    form_is(&r, 9, true, "5", "CAR in line still works");
    is_int(r.registry, with_count, "the registry keeps its object");

    struct run without_again = { .forms = { "(car '(7))" } };
    r = open_store(path, &without_again);
    is_int(r.open_faults, 0,
           "a plain reopen without the module writes no page either");

    /* 4. With it again: the same object, bound again. */
    struct run back = { .extra = true, .forms = {
        "(funcall *saved-extra*)",
        "(eq *saved-extra* #'primitive-test-extra)",
        "(call-extra)",
    } };
    r = open_store(path, &back);
    form_is(&r, 0, true, "\"extra here\"",
            "with the module again: the object kept works again");
    form_is(&r, 1, true, "T", "it is the one bound by name");
    form_is(&r, 2, true, "\"extra here\"", "code compiled meanwhile calls it");
    is_int(r.registry, with_count, "the registry has not grown");

    /* 5. A heap whose registry root is gone (made before it existed). */
    struct run walked = { .extra = true, .drop_registry = true, .forms = {
        "(funcall *saved-extra*)",
        "(eq *saved-extra* #'primitive-test-extra)",
        "(funcall *saved-car* '(8))",
    } };
    r = open_store(path, &walked);
    is_int(r.registry, with_count,
           "without its root, the registry is found again by a heap walk");
    ok(r.registry_frozen, "frozen");
    form_is(&r, 0, true, "\"extra here\"", "its objects are bound by name");
    form_is(&r, 1, true, "T", "no second object was made");
    form_is(&r, 2, true, "8", "CAR too");

    struct run walked_without = { .drop_registry = true, .forms = {
        "(funcall *saved-extra*)",
        "(funcall *saved-car* '(9))",
    } };
    r = open_store(path, &walked_without);
    is_int(r.registry, with_count,
           "found by the walk in a program without the module too");
    form_is(&r, 0, false, REMOVED, "where the extra one is removed");
    form_is(&r, 1, true, "9", "and CAR is CAR");

    r = open_store(path, &plain);
    is_int(r.open_faults, 0, "after it, a plain reopen writes no page");
    is_int(r.registry, with_count, "the registry stays as the walk made it");

    unlink(path);
    return done_testing();
}
