/*
 * lisp.h -- the Lisp system on a store: open it, and text in, text out.
 *
 *   lo_lisp *L;
 *   lo_lisp_open(store, &L, why, sizeof why);   // cold boot or warm start
 *   char out[256];
 *   lo_lisp_eval_string(L, "(+ 1 2)", out, sizeof out);   // out = "3"
 *
 * The text entry points here are a thin layer on the value-level API of
 * lisp/api.h (values in and out, structured errors: docs/embedding.md).
 * docs/lisp.md says what the language has so far; docs/gc.md how the
 * heap is collected.
 */
#ifndef LO_LISP_H
#define LO_LISP_H

#include <stdbool.h>
#include <stddef.h>

#include "ckpt/ckpt.h"
#include "gc/gc.h"

typedef struct lo_lisp lo_lisp;

int lo_lisp_open(lo_ckpt *store, lo_lisp **out, char *why, size_t why_len);
void lo_lisp_close(lo_lisp *L);

/* How lo_lisp_open_with opens a store. */
struct lo_lisp_open_options {
    /* Refuse a store that would have to be upgraded (made by older
     * system code or layout) instead of upgrading it: lispos-repl
     * --no-upgrade.  Nothing is written either way. */
    bool no_upgrade;
    /* Told the name of each phase of an upgrade as it starts ("boot
     * code", "commit", ...; docs/upgrade.md), or NULL: for progress
     * reports, and for the crash tests' kill points. */
    void (*progress)(void *ctx, const char *phase);
    void *progress_ctx;
};

/* What an open did to the store's versions (gc/heap.h, "Versions"). */
struct lo_lisp_open_report {
    bool built;                         /* a new heap: a cold boot */
    bool upgraded;                      /* upgraded in place */
    struct lo_heap_versions from, to;   /* before, and after */
    unsigned layout_steps;              /* migration steps run */
    uint64_t shadow_cells;              /* users' hiding cells mended */
    /* user functions that call by name a system function the upgrade
     * removed (they will fail there), and the first: "alice's
     * COMMON-LISP-USER::F calls LISPOS-INTERNAL::%G" */
    uint64_t dangling;
    char dangling_example[200];
    uint64_t ns;                        /* how long the open took */
};

/*
 * lo_lisp_open with options (NULL: the defaults), and a report (NULL:
 * none wanted).  A store whose heap an older LispOS made is upgraded in
 * place, unless options->no_upgrade; a store a newer one made is
 * refused, and nothing is written (docs/upgrade.md).
 */
int lo_lisp_open_with(lo_ckpt *store,
                      const struct lo_lisp_open_options *options,
                      lo_lisp **out, struct lo_lisp_open_report *report,
                      char *why, size_t why_len);

/*
 * This build's versions, which every heap it opens records (gc/heap.h,
 * "Versions") and --version prints: the release ("0.1.0", the top-level
 * VERSION file) and the system code's version (a hash of the bytecode
 * version, the standard names and the boot code).  The layout version is
 * gc/heap.h's LO_LAYOUT_VERSION.  The primitives are not part of the
 * system version: every open binds the heap's primitive objects to this
 * program's table by name (lisp/primitives.c), whatever modules it
 * registered.
 */
const char *lo_lisp_release(void);
uint64_t lo_lisp_system_version(void);

/*
 * Read and evaluate the forms of text in order, as one evaluation
 * (api.h, lo_pcall).  On success, out holds the prin1 representation of
 * the last value and LO_OK is returned.  On a failure, out holds "TYPE:
 * message" and LO_EINVAL is returned; lo_last_error (api.h) has it
 * structured.  The system stays usable.
 */
int lo_lisp_eval_string(lo_lisp *L, const char *text, char *out,
                        size_t out_len);

/*
 * Evaluation limits, so that one user's runaway code cannot hold a thread
 * for ever.  Once set on L, every following top-level evaluation on L (each
 * call of lo_lisp_eval_string, all the forms of its text together, reading
 * and compiling included) may take at most `steps` VM steps, allocate at
 * most `bytes` bytes of heap and last at most `wall_ns` nanoseconds of
 * wall time; 0 leaves that one unlimited, and all three 0 (the default)
 * turns limits off.  Limits are per thread: other threads of the same
 * system keep their own.
 *
 * A VM step is a call -- of a function or primitive, in tail position or
 * not, from bytecode (FUNCALL and APPLY included) or from C (a predicate
 * SORT calls, a macro the compiler runs) -- or a backward jump (one turn
 * of a loop).  The primitives the VM does in line (+ - < > <= >= = 1+ 1-
 * EQ CAR CDR CONS NULL NOT) are no steps of their own.  The work of a
 * primitive is not counted, except in the few that may not end without
 * allocating (EQUAL and EQUALP, on circular lists): 65,536 turns of their
 * loops are a step.  Bytes and wall time are checked too when a
 * primitive allocates (every 32 KiB).
 *
 * Printing the value at the end runs no Lisp: it stops when out is full.
 *
 * Exceeding a limit signals RESOURCE-EXHAUSTED, a SERIOUS-CONDITION but
 * not an ERROR, so IGNORE-ERRORS and HANDLER-CASE on ERROR let it pass:
 * the unwind-protect cleanups on the way run, and the evaluation fails
 * with out = "RESOURCE-EXHAUSTED: ...".  From then on the evaluation is
 * over whatever its handlers do: what is left of it (handlers, cleanups,
 * or code that caught the condition and went on) gets a small grace
 * (LO_LIMIT_GRACE_* in lisp/internal.h) and is then cut off, straight to
 * the entry point, skipping any cleanups not yet run; and even an
 * evaluation that caught the condition and returned reports it.
 */
struct lo_limits {
    uint64_t steps;             /* VM steps (see above); 0: no limit */
    uint64_t bytes;             /* bytes allocated in the heap; 0: no limit */
    uint64_t wall_ns;           /* wall time in nanoseconds; 0: no limit */
};
void lo_lisp_set_limits(lo_lisp *L, const struct lo_limits *limits);

/*
 * Cancel the evaluation running on L, or the next one to start, from any
 * thread: it ends as a limit exceeded does (RESOURCE-EXHAUSTED, "the
 * evaluation was cancelled", its cleanups run), at its next check of the
 * limits -- within a few hundred VM steps when L has a byte or time limit
 * (lo_lisp_set_limits); without limits it is never checked.  on = false
 * takes the request back (a host clears it before handing L new work).
 */
void lo_lisp_cancel(lo_lisp *L, bool on);

/*
 * What the evaluations wrote to standard output (*STANDARD-OUTPUT*) since
 * the last call, as UTF-8: *text points at it (valid until the next
 * evaluation on L) and the length is returned.  The buffer is emptied;
 * the host shows the text before the value (lispos-repl: then a fresh
 * line), and the next output is taken to start a line.
 */
size_t lo_lisp_take_output(lo_lisp *L, const char **text);

/*
 * The backtrace of the last evaluation on L that failed with an error
 * nobody handled (empty after a success, after the ABORT restart, and
 * once taken): the frames active when the error was signalled, innermost
 * first, one a line, "0: (FOO 1 2)" -- the function's name (an anonymous
 * one "(LAMBDA)") and its required arguments, "..." for the others --
 * at most 30, then "... N more frames".  *text points at it (valid until
 * the next evaluation on L) and the length is returned.
 */
size_t lo_lisp_take_backtrace(lo_lisp *L, const char **text);

/*
 * Global environments (docs/environments.md).  Evaluations on L run in
 * the system environment until lo_lisp_set_user names a user: then in
 * that user's environment, made on first use (a fresh default one:
 * their own definitions, their own values of the per-user defaults such
 * as *PRINT-BASE* and *PACKAGE*, layered on the shared and immutable
 * system environment).  NULL goes back to the system environment.  A
 * name is 1 to 64 printable non-blank characters (LO_EINVAL otherwise).
 *
 * lo_lisp_reset_user gives the user a fresh default environment; the old
 * one is dropped, or kept under the name keep_as (replacing any
 * environment of that name) when keep_as is not NULL.  The system
 * environment is untouched.  A thread using the old environment keeps
 * using it until it selects the user again.
 *
 * Both run between evaluations: LO_EBUSY inside one (a C function run by
 * lo_pcall).  LO_ELISP when the store is full (lo_last_error says so).
 */
int lo_lisp_set_user(lo_lisp *L, const char *name);
int lo_lisp_reset_user(lo_lisp *L, const char *name, const char *keep_as);

/* Whether the heap was built by this run (cold boot) or found (warm). */
int lo_lisp_cold_booted(lo_lisp *L);

/*
 * Another thread of evaluation on the same system (same heap, same
 * global environment, its own stack and dynamic bindings).  Open and use
 * it on the thread that will run it; close it there before lo_lisp_close.
 */
int lo_lisp_thread_open(lo_lisp *any, lo_lisp **out);
void lo_lisp_thread_close(lo_lisp *L);

/* GC stress mode: collect at the first poll after `bytes` have been
 * allocated (1: after every allocation) and verify the heap after each
 * collection; 0 turns it off. */
void lo_lisp_gc_stress(lo_lisp *L, uint64_t bytes);
/* A full collection now; LO_EBUSY when it is not safe here (inside the
 * compiler).  *out gets the pause and sizes. */
int lo_lisp_collect(lo_lisp *L, struct lo_gc_result *out);

/* The collections since the system was opened, and their pauses (ns). */
struct lo_gc_stats {
    uint64_t collections;
    uint64_t young;             /* of them, young ones (gc/heap.h) */
    uint64_t last_ns, total_ns, max_ns;
    uint64_t live_bytes;        /* after the last one */
};
void lo_lisp_gc_stats(lo_lisp *L, struct lo_gc_stats *out);

#endif
