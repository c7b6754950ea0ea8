/*
 * fixture.h -- the setup the C tests share: a disk (a RAM disk, or a
 * sparse file under $TMPDIR), a ckpt store on it, and on the store a bare
 * heap or a whole Lisp system; closing them in order; reopening the store,
 * or only the Lisp, to check what persisted; and Lisp evaluation as a TAP
 * check.
 *
 *     #include "tests/helpers/fixture.h"
 *     int main(void) {
 *         struct fixture fx = { 0 };
 *         fixture_lisp(&fx, 16384);              // 64 MiB RAM disk, new store
 *         eval_is(fx.L, "(+ 1 2)", "3", "addition");
 *         eval_fails(fx.L, "(car 1)", "TYPE-ERROR: CAR: not a list",
 *                    "CAR of a number");
 *         lo_ckpt_sync(fx.store);
 *         fixture_reopen(&fx);                   // the store, then the Lisp
 *         eval_is(fx.L, "(+ 1 2)", "3", "after reopening");
 *         fixture_close(&fx);                    // everything, disk included
 *         return done_testing();
 *     }
 *
 * Opening something that should work and does not is not a test failure
 * but a broken premise: the fixture bails out (tap.h), with the reason.
 * A test that checks a refusal opens the store with fixture_try_store.
 *
 * The checks (eval_is, eval_fails) are macros, so that they count in the
 * test program's own TAP state (tap.h keeps it per file) and a failure
 * names the test's line.  Evaluation keeps its printed result per thread,
 * so threads of a test may evaluate at once (TAP checks stay on the main
 * thread).  Compiled once (tests/helpers/fixture.c) and linked into the
 * tests that use it.
 */
#ifndef LO_TESTS_FIXTURE_H
#define LO_TESTS_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "drivers/disk.h"
#include "gc/heap.h"
#include "lisp/lisp.h"
#include "tests/tap.h"

struct fixture {
    lo_disk *disk;              /* what the store lives on */
    lo_disk *inner;             /* under a fault disk (fixture_fault_disk) */
    lo_ckpt *store;             /* NULL when closed */
    lo_heap *heap;              /* a bare heap (gc tests), or NULL */
    lo_lisp *L;                 /* the Lisp system, or NULL */
    struct lo_ckpt_options options;     /* the store's last opening */
    uint64_t heap_version;      /* the system version the heap opened with */
    char file[256];             /* a scratch file disk's path, or "" */
    char why[300];              /* why the last opening failed */
};

/* ---- disks ---- */

/* A fresh RAM disk of `blocks` 4 KiB blocks. */
void fixture_ram_disk(struct fixture *fx, uint64_t blocks);

/* A sparse file of `bytes` under $TMPDIR (O_DIRECT when the file system
 * allows it), removed by fixture_close.  false when it cannot be made: the
 * caller skips. */
bool fixture_file_disk(struct fixture *fx, uint64_t bytes);

/* Put a fault-injecting disk (drivers/disk.h) over the disk; the store
 * opened next lives on it.  fixture_remove_faults closes it (close the
 * store first) and leaves the disk that was under it. */
void fixture_fault_disk(struct fixture *fx, struct lo_fault_config cfg);
void fixture_remove_faults(struct fixture *fx);

/* ---- the store, and what runs on it ---- */

/* Open a store on the disk with opt (remembered for reopening).
 * fixture_try_store says why it could not (a diagnostic, and fx->why) and
 * returns NULL; fixture_open_store bails out instead. */
lo_ckpt *fixture_try_store(struct fixture *fx, struct lo_ckpt_options opt);
void fixture_open_store(struct fixture *fx, struct lo_ckpt_options opt);

/* A bare heap on the open store (gc/heap.h), or the Lisp system. */
void fixture_open_heap(struct fixture *fx, uint64_t system_version);
void fixture_open_lisp(struct fixture *fx);

/* The usual beginnings: a fresh RAM disk of `blocks` 4 KiB blocks and a
 * new store on it; then, with the last two, a new heap or Lisp on it. */
void fixture_store(struct fixture *fx, uint64_t blocks);
void fixture_heap(struct fixture *fx, uint64_t blocks, uint64_t system_version);
void fixture_lisp(struct fixture *fx, uint64_t blocks);

/* ---- closing and reopening ---- */

/* Close the Lisp (or the heap) and the store, without a sync: as far as
 * the store is concerned, a crash. */
void fixture_close_store(struct fixture *fx);

/* Close the store and open it again (no longer creating; the test may
 * change fx->options in between), with a heap or Lisp on it again if
 * there was one: what a restarted system finds. */
void fixture_reopen(struct fixture *fx);

/* Close the Lisp and open it again on the same open store. */
void fixture_reopen_lisp(struct fixture *fx);

/* Close everything, the disk included; remove a scratch file. */
void fixture_close(struct fixture *fx);

/* ---- the heap's version records ---- */

/* Seal the version records of a root page a test has edited: the
 * checksum written out here as the format defines it (gc/heap.h), apart
 * from gc/versions.c, so that a change of the format fails the tests. */
void fixture_reseal_versions(struct lo_heap_root *r);

/* ---- evaluation ---- */

/* Evaluate form on L (lisp.h, lo_lisp_eval_string): LO_OK, or LO_EINVAL
 * for an unhandled error.  What it printed -- the value, or "TYPE:
 * message" -- is fixture_out() until this thread's next evaluation. */
int fixture_eval(lo_lisp *L, const char *form);
const char *fixture_out(void);

/* Evaluate a form run only for its effect (a definition, say); a failure
 * is worth a diagnostic line, as later checks will fail because of it. */
void fixture_run(lo_lisp *L, const char *form);

/* Evaluate a form a test cannot go on without (a definition its checks
 * use): a failure bails out, naming the form and what it printed. */
void fixture_setup(lo_lisp *L, const char *form);

/* Evaluate in user's environment from now on (NULL: the system's);
 * bails out when it cannot be selected. */
void fixture_as(lo_lisp *L, const char *user);

/* Does form, on L, end with the status and print exactly `want`? */
bool fixture_evaluates(lo_lisp *L, const char *form, int status,
                       const char *want);
/* The diagnostics of the last fixture_evaluates on this thread. */
void fixture_explain(void);

/* The bytes of the heap's own crossing-map block in the large-object
 * space (gc/heap.h: a heap large enough for young collections keeps one),
 * or 0: what tests counting that space's blocks add to their own. */
uint64_t fixture_crossing_bytes(const struct lo_heap_root *r);

/* One TAP check: form, evaluated on L, succeeds and prints as want.  The
 * rest is the check's name, printf-style (it may use fixture_out()). */
#define eval_is(L, form, want, ...)                                         \
    do {                                                                    \
        bool fixture_pass_ = fixture_evaluates((L), (form), LO_OK, (want)); \
        if (!tap_ok(fixture_pass_, __FILE__, __LINE__, __VA_ARGS__))        \
            fixture_explain();                                              \
    } while (0)

/* One TAP check: form fails with an unhandled error printed as want
 * ("TYPE: message"). */
#define eval_fails(L, form, want, ...)                                      \
    do {                                                                    \
        bool fixture_pass_ = fixture_evaluates((L), (form), LO_EINVAL,      \
                                               (want));                     \
        if (!tap_ok(fixture_pass_, __FILE__, __LINE__, __VA_ARGS__))        \
            fixture_explain();                                              \
    } while (0)

#endif
