/*
 * fixture.c -- the setup the C tests share (fixture.h says what it gives).
 *
 * Hosted code, tests only.  Every layer is opened and closed in one place,
 * in the one order that is right: disk, store, heap or Lisp up; Lisp or
 * heap, store, disk (then the disk under a fault disk) down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/checksum.h"
#include "store/store_api.h"
#include "tests/helpers/fixture.h"

/* ---- disks ---- */

void fixture_ram_disk(struct fixture *fx, uint64_t blocks)
{
    if (lo_ram_disk_open(blocks, 4096, &fx->disk) != LO_OK)
        bail_out("cannot open a RAM disk of %llu blocks",
                 (unsigned long long)blocks);
}

bool fixture_file_disk(struct fixture *fx, uint64_t bytes)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->file, sizeof fx->file, "%s/lispos-fixture-%d.img",
             tmp && *tmp ? tmp : "/tmp", (int)getpid());
    struct lo_disk_open_options o = { .create = true, .size_bytes = bytes };
    if (lo_host_disk_open(fx->file, &o, &fx->disk) == LO_OK)
        return true;
    unlink(fx->file);
    fx->file[0] = '\0';
    return false;
}

void fixture_fault_disk(struct fixture *fx, struct lo_fault_config cfg)
{
    fx->inner = fx->disk;
    if (lo_fault_disk_open(fx->inner, &cfg, &fx->disk) != LO_OK)
        bail_out("cannot open a fault disk");
}

void fixture_remove_faults(struct fixture *fx)
{
    lo_disk_close(fx->disk);
    fx->disk = fx->inner;
    fx->inner = NULL;
}

/* ---- the store, and what runs on it ---- */

lo_ckpt *fixture_try_store(struct fixture *fx, struct lo_ckpt_options opt)
{
    fx->options = opt;
    fx->store = NULL;
    int status = lo_ckpt_open(fx->disk, &opt, &fx->store, fx->why,
                              sizeof fx->why);
    if (status != LO_OK) {
        fx->store = NULL;
        diag("open: %s (%s)", lo_strerror(status), fx->why);
    }
    return fx->store;
}

void fixture_open_store(struct fixture *fx, struct lo_ckpt_options opt)
{
    fx->options = opt;
    if (lo_ckpt_open(fx->disk, &opt, &fx->store, fx->why,
                     sizeof fx->why) != LO_OK)
        bail_out("cannot open the store: %s", fx->why);
}

void fixture_open_heap(struct fixture *fx, uint64_t system_version)
{
    int fresh;
    fx->heap_version = system_version;
    if (lo_heap_open(fx->store, system_version, "test", &fx->heap, &fresh,
                     fx->why, sizeof fx->why) != LO_OK)
        bail_out("cannot open the heap: %s", fx->why);
}

void fixture_open_lisp(struct fixture *fx)
{
    if (lo_store_register() != LO_OK)
        bail_out("cannot register the object store");
    if (lo_lisp_open(fx->store, &fx->L, fx->why, sizeof fx->why) != LO_OK)
        bail_out("cannot open the Lisp: %s", fx->why);
}

void fixture_store(struct fixture *fx, uint64_t blocks)
{
    fixture_ram_disk(fx, blocks);
    fixture_open_store(fx, (struct lo_ckpt_options){ .create = true });
}

void fixture_heap(struct fixture *fx, uint64_t blocks, uint64_t system_version)
{
    fixture_store(fx, blocks);
    fixture_open_heap(fx, system_version);
}

void fixture_lisp(struct fixture *fx, uint64_t blocks)
{
    fixture_store(fx, blocks);
    fixture_open_lisp(fx);
}

/* ---- closing and reopening ---- */

static void close_lisp(struct fixture *fx)
{
    lo_lisp_close(fx->L);
    fx->L = NULL;
}

static void close_heap(struct fixture *fx)
{
    lo_heap_close(fx->heap);
    fx->heap = NULL;
}

void fixture_close_store(struct fixture *fx)
{
    if (fx->L)
        close_lisp(fx);
    if (fx->heap)
        close_heap(fx);
    if (fx->store)
        lo_ckpt_close(fx->store);
    fx->store = NULL;
}

void fixture_reopen(struct fixture *fx)
{
    bool lisp = fx->L != NULL, heap = fx->heap != NULL;
    fixture_close_store(fx);
    struct lo_ckpt_options opt = fx->options;
    opt.create = false;
    fixture_open_store(fx, opt);
    if (heap)
        fixture_open_heap(fx, fx->heap_version);
    if (lisp)
        fixture_open_lisp(fx);
}

void fixture_reopen_lisp(struct fixture *fx)
{
    close_lisp(fx);
    fixture_open_lisp(fx);
}

void fixture_close(struct fixture *fx)
{
    fixture_close_store(fx);
    if (fx->disk)
        lo_disk_close(fx->disk);
    fx->disk = NULL;
    if (fx->inner)
        lo_disk_close(fx->inner);
    fx->inner = NULL;
    if (fx->file[0])
        unlink(fx->file);
    fx->file[0] = '\0';
}

/* ---- evaluation ---- */

/* Each thread's last evaluation: what it printed, and for
 * fixture_explain, what was asked. */
static _Thread_local struct {
    char out[4096];
    int status;
    const char *form, *want;
    int want_status;
} last;

int fixture_eval(lo_lisp *L, const char *form)
{
    last.form = form;
    last.status = lo_lisp_eval_string(L, form, last.out, sizeof last.out);
    return last.status;
}

const char *fixture_out(void)
{
    return last.out;
}

void fixture_run(lo_lisp *L, const char *form)
{
    if (fixture_eval(L, form) != LO_OK)
        diag("%s -> %s", form, last.out);
}

void fixture_setup(lo_lisp *L, const char *form)
{
    if (fixture_eval(L, form) != LO_OK)
        bail_out("setup: %s -> %s", form, last.out);
}

void fixture_as(lo_lisp *L, const char *user)
{
    if (lo_lisp_set_user(L, user) != LO_OK)
        bail_out("cannot select user %s", user ? user : "(system)");
}

void fixture_reseal_versions(struct lo_heap_root *r)
{
    uint32_t crc = lo_crc32c(0, &r->magic, 8);
    crc = lo_crc32c(crc, &r->system_version, 8);
    crc = lo_crc32c(crc, &r->layout_version, 8);
    crc = lo_crc32c(crc, r->release, LO_HEAP_RELEASE);
    r->versions_crc = 1ull << 32 | crc;
}

bool fixture_evaluates(lo_lisp *L, const char *form, int status,
                       const char *want)
{
    fixture_eval(L, form);
    last.want = want;
    last.want_status = status;
    return last.status == status && strcmp(last.out, want) == 0;
}

void fixture_explain(void)
{
    diag("     form: %s", last.form);
    diag("     got: %s%s", last.status == LO_OK ? "" : "an error: ",
         last.out);
    diag("     expected: %s%s",
         last.want_status == LO_OK ? "" : "an error: ", last.want);
}

uint64_t fixture_crossing_bytes(const struct lo_heap_root *r)
{
    if (!r->crossing_at)
        return 0;
    const uint64_t *block = (const uint64_t *)((const char *)r +
                                               r->crossing_at);
    return lo_large_pages(block) * 4096;
}
