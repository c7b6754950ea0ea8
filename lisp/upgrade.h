/*
 * upgrade.h -- running this build's boot code again into an existing
 * heap (upgrade.c; docs/upgrade-design.md, section 2.3), and what the
 * cold boot (open.c) shares with it.
 *
 * Only lisp.h is needed here, so a test can call these too.
 */
#ifndef LO_LISP_UPGRADE_H
#define LO_LISP_UPGRADE_H

#include <stddef.h>
#include <stdint.h>

#include "lisp/lisp.h"

/*
 * Run the boot code (the files of lisp/boot, embedded) again into the open
 * heap's system environment, as an upgrade does when a store made by
 * older system code opens:
 *   - every binding the boot code made before is marked stale; the run
 *     defines what it defines again in the same cells (code holding a
 *     cell calls the new definition); what stays stale is unbound, and
 *     the boot's methods it did not define again are removed;
 *   - classes, generic functions and packages keep their identity; the
 *     users' classes, generic functions, private copies of extensible
 *     generic functions and condition types are brought up to date
 *     (lisp/boot/98-upgrade.lisp), and their per-user defaults are
 *     matched to the new list by variable;
 *   - then one whole freeze of what the system environment reaches.
 * L must be the only thread, in the system environment.  The store is
 * not synced: the caller commits (or, on failure, must not).  LO_OK, or
 * an error with why filled in (LO_EINVAL: the boot code failed;
 * LO_ENOSPC: the store is full).
 */
int lo_upgrade_rerun_boot(lo_lisp *L, char *why, size_t why_len);

/* The same, evaluating the text extra (Lisp, read in LISPOS-INTERNAL)
 * after the boot files as if it were one more: for tests, which define
 * or leave out system definitions with it.  NULL: none. */
int lo_upgrade_rerun_boot_with(lo_lisp *L, const char *extra, char *why,
                               size_t why_len);

/*
 * After an upgrade: the user functions whose code calls, by name, a
 * system function the upgrade removed (it would fail with
 * UNDEFINED-FUNCTION there), and the first of them ("alice's F calls
 * LISPOS-INTERNAL::%G").  Allocates nothing; no other thread may run.
 */
struct lo_upgrade_dangling {
    uint64_t functions;
    char example[200];
};
void lo_upgrade_dangling(lo_lisp *L, struct lo_upgrade_dangling *out);

/* What the system environment's binding cells are (all namespaces): for
 * tests and reports. */
struct lo_upgrade_census {
    uint64_t cells;             /* every cell */
    uint64_t bound;             /* with a value (or a special variable) */
    uint64_t boot;              /* marked as the boot code's (CELL_BOOT) */
    uint64_t stale;             /* still marked CELL_STALE */
    uint64_t functions;         /* bound function cells */
    uint64_t macros;            /* bound macro cells */
    uint64_t classes;           /* bound class cells */
};
int lo_upgrade_census(lo_lisp *L, struct lo_upgrade_census *out);

/* For tests: take every CELL_BOOT mark off, so the heap looks like one
 * made before the marks existed (the next re-run then guesses the boot's
 * definitions by their symbols' packages). */
void lo_upgrade_forget_marks(lo_lisp *L);

/* ---- shared with the cold boot (open.c) ---- */

/* Evaluate the embedded boot files in name order, each an evaluation of
 * its own; on a failure, why says "what: lisp/boot/FILE: TYPE: message". */
int lo_run_boot_files(lo_lisp *L, const char *what, char *why,
                      size_t why_len);
/* Mark as the boot's the bindings the cold boot makes in C (T, NIL,
 * *PACKAGE*, the primitives still bound to theirs), while booting. */
void lo_note_cold_definitions(lo_lisp *L);

#endif
