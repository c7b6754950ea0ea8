/*
 * internal.h -- what the files of lisp/ share.
 *
 * The machinery, top to bottom:
 *
 *   open.c       opening the Lisp on a store: cold boot and warm
 *                start; its threads
 *   api.c        the embedding API (api.h): entry points -- the one
 *                protected call --, handles, structured errors; lisp.h's
 *                text entry points on them; api_values.c its values
 *   reader.c     text -> objects
 *   printer.c    objects -> text
 *   compiler.c   forms -> bytecode (the trusted compiler; compiler.h
 *                lists its other files, compile_*.c and backquote.c)
 *   vm.c         running bytecode (bytecode.h)
 *   primitives.c the one table of functions written in C, by stable
 *                index: the tables of the files below laid end to end
 *   environment.c  first-class global environments: binding cells,
 *                the system's and the users' (environment.h)
 *   control.c    the catch stack: non-local exits, unwinding, raising
 *                errors as conditions
 *   limits.c     evaluation limits: steps, bytes, wall time (lisp.h)
 *   collect.c    roots, safepoints, collections (docs/gc.md)
 *   access.c     capabilities: access checks, ACCESS-DENIED
 *   freeze.c     what the system environment holds, no user can change
 *   upgrade.c    the boot code run again into an existing heap (upgrade.h)
 *   locks.c      the object system's lock, for changes of what threads
 *                share
 *   args.c       the argument checkers of primitives (primitive.h)
 *   equal.c      EQL, EQUAL, EQUALP
 *   runtime.c    allocation, special variables
 *
 * The primitives live with their subject (docs/contributing.md, "Where
 * a primitive goes"): a standard function in the file of its chapter of
 * the standard (CLHS), a system function beside what it serves.  Many of
 * the files above end with the few primitives of their subject (GC in
 * collect.c, ACCESS-BITS in access.c, SHARE-WRITABLE in freeze.c, the
 * environments' in environment.c, EQ ... EQUALP in equal.c); the files
 * below are mostly primitives:
 *
 *   eval.c       evaluation and compilation (ch. 3): EVAL, COMPILE,
 *                MACROEXPAND; and the reading loop of text entry points
 *   control_prims.c  data and control flow (ch. 5): multiple values,
 *                FUNCALL, APPLY, keyword arguments
 *   instances.c  objects (ch. 7): standard objects, structures,
 *                funcallable instances (the object system is
 *                lisp/boot/50-clos.lisp, 52-clos-standard.lisp and
 *                55-defstruct.lisp)
 *   conditions.c conditions (ch. 9): the condition object, restart
 *                objects, backtraces, the top level's ABORT restart
 *   symbols.c    symbols (ch. 10), their function cells included
 *   package.c    packages (package.h); package_prims.c their functions
 *                (ch. 11); symbol_syntax.c reading and printing symbol
 *                tokens; cl_symbols.c the standard names
 *   bignum.c, flonum.c  integers past fixnums, and floats (bignum.h,
 *                flonum.h)                       }
 *   tower.c      making and converting numbers   } numbers (ch. 12):
 *   arith.c      arithmetic on any numbers       } what they share is
 *   numtext.c    numbers to text and back        } in numbers.h
 *   numbers.c    the number primitives           }
 *   strings.c    characters and strings (ch. 13, 16)  } what they share
 *   conses.c     conses and lists (ch. 14)            } is in
 *   vectors.c    arrays, vectors, byte vectors (ch. 15) } sequences.h
 *   sequences.c  the sequence functions (ch. 17)      }
 *   hashtable.c  hash tables (ch. 18; hashtable.h)
 *   streams.c    streams (ch. 21): output streams, string streams,   }
 *                standard output; what every stream has              }
 *   input.c      input streams, OPEN, and READ and the reading       }
 *                functions (ch. 23)                      streams.h   }
 *   write.c      the printing functions (ch. 22: prin1, princ, write...)
 *   format.c     FORMAT; its ~F is fixed.c (fixed.h), its ~R in words
 *                numerals.c (numerals.h)
 *   disassemble.c  DISASSEMBLE (ch. 25)
 *   documentation.c  where documentation strings and lambda lists of
 *                definitions live (DOCUMENTATION and DESCRIBE are
 *                lisp/boot/92-documentation.lisp and 94-describe.lisp)
 */
#ifndef LO_LISP_INTERNAL_H
#define LO_LISP_INTERNAL_H

#include <stdarg.h>

#include "ckpt/safepoint.h"
#include "gc/gc.h"
#include "lisp/api.h"
#include "lisp/lisp.h"
#include "lisp/primitive.h"
#include "drivers/platform.h"
#include "lisp/value.h"

enum { LO_MV_LIMIT = 256, LO_ERROR_MAX = 240, LO_STACK_VALUES = 1 << 20, LO_MAX_FRAMES = 1 << 17,
       LO_MAX_BINDINGS = 1 << 14, LO_MAX_ROOTS = 4096, LO_MAX_CATCHES = 1 << 14,
       LO_MAX_LEVELS = 1000, LO_MAX_SPECIALS = 1 << 16 };

struct lo_binding {             /* a dynamic binding: the value it hides */
    lo_value cell, old;
};

struct lo_frame {
    lo_value code;              /* the code object running */
    lo_value env;               /* its closure vector, or nil */
    uint32_t pc;                /* from the start of the code's bytes */
    uint32_t base;              /* stack index of local 0 (first argument) */
    uint32_t drop;              /* slots below base to pop on return */
    /* where the code's bytes start, in bytes from the code object
     * (lo_code_bytes): read from its header once, when the frame gets
     * the code, so that a return finds its bytes without reading it */
    uint32_t start;
};

/*
 * An entry of the catch stack (control.c): a point a non-local exit can
 * go to.  It records the machine state to restore there; `level` is the
 * nesting of the VM on the C stack (a primitive calling back into Lisp
 * runs a nested VM loop) that owns the frame to resume.
 */
enum lo_catch_kind {
    LO_CATCH_TOPLEVEL,          /* an evaluation entry point: errors end here */
    LO_CATCH_CATCH,             /* CATCH, or a BLOCK left from a closure */
    LO_CATCH_TAGBODY,           /* a TAGBODY entered by GO from a closure */
    LO_CATCH_CLEANUP,           /* UNWIND-PROTECT: run the cleanup on the way */
};
struct lo_catch {
    lo_value tag;               /* what THROW matches (EQ); a root */
    enum lo_catch_kind kind;
    uint32_t level;
    uint32_t nframes, sp, nbindings, nroots, pc;
    int gc_inhibit, compile_depth, signal_depth;
    const struct lo_primitive *primitive;   /* running when pushed */
    uint32_t write_grant;                   /* in force when pushed */
    uint32_t clos_depth;        /* the object system's lock held (locks.c) */
    uint32_t data_shared, data_exclusive;   /* the data lock held (locks.c) */
    uint64_t scratch;           /* scratch memory in use (scratch.h) */
};

struct compiler;

/*
 * The Lisp's persistent roots: slots of the heap's root page, taken by
 * name when the Lisp opens ("lisp:nil", ...: gc/heap.h,
 * lo_heap_named_root); lo_world_root gives the slot.
 */
enum lo_lisp_root {
    LO_ROOT_NIL, LO_ROOT_T, LO_ROOT_PACKAGES, LO_ROOT_SYSTEM_ENV,
    LO_ROOT_SPECIAL_COUNT,      /* per-thread slots given to specials so far */
    LO_ROOT_USERS,              /* the users' environments (environment.c) */
    LO_ROOT_PRIMITIVES,         /* every primitive object (primitives.c) */
    LO_LISP_ROOTS
};

/*
 * Slots for values that C code holds (api.c): blocks of LO_HANDLE_BLOCK
 * values, made as needed and never moved, so a slot's address stays
 * valid while it is in use.  A thread's handles are used from the
 * bottom up (scopes release the top); the world's kept references
 * (lo_ref_keep) are taken and freed in any order, the free ones on a
 * list.  The collector visits every slot in use (collect.c).
 */
/* A thread's scratch memory (scratch.h): a chain of blocks of C memory
 * used as one stack; `used` counts the bytes in use across them. */
struct lo_scratch_block {
    struct lo_scratch_block *prev, *next;
    uint64_t base;                  /* the stack's height at its start */
    uint64_t size;                  /* bytes in data */
    _Alignas(16) unsigned char data[];
};
struct lo_scratch {
    struct lo_scratch_block *first; /* the chain, kept for reuse */
    struct lo_scratch_block *top;   /* the block in use, or NULL */
    uint64_t used;
};

enum { LO_HANDLE_BLOCK = 512, LO_MAX_HANDLES = 1 << 20 };
struct lo_slots {
    lo_value *blocks[LO_MAX_HANDLES / LO_HANDLE_BLOCK];
    uint32_t count;                 /* slots [0, count) are in use */
    lo_value **free;                /* kept references: the freed slots */
    uint32_t nfree, free_cap;
};
static inline lo_value *lo_slot_at(struct lo_slots *s, uint32_t i)
{
    return &s->blocks[i / LO_HANDLE_BLOCK][i % LO_HANDLE_BLOCK];
}

/* The last failure of an entry point on a thread (api.h, lo_last_error). */
enum { LO_FAILURE_TYPE = 64, LO_FAILURE_MESSAGE = 4096 };
struct lo_failure {
    struct lo_error error;          /* what lo_last_error gives */
    char type[LO_FAILURE_TYPE];
    char message[LO_FAILURE_MESSAGE];
};

/*
 * Evaluation limits (limits.c): the state of one thread's limits during a
 * top-level evaluation.  A phase, the thresholds in force (UINT64_MAX:
 * none), and the step count, kept in windows: L->poll_budget is the steps
 * left in the current window, which began with `window` of them after
 * `steps` had been taken.
 */
enum lo_limit_phase {
    LO_LIMITS_OFF,              /* no limits: the budget never runs out */
    LO_LIMITS_ON,               /* counting against the limits set */
    LO_LIMITS_GRACE,            /* exceeded: what is left runs in the grace */
};
enum lo_limit_kind { LO_LIMIT_STEPS, LO_LIMIT_BYTES, LO_LIMIT_TIME,
                      LO_LIMIT_CANCEL };
struct lo_limit_state {
    struct lo_limits set;           /* lo_lisp_set_limits: for what follows */
    struct lo_limits now;           /* in force in this evaluation */
    enum lo_limit_phase phase;
    uint32_t depth;                 /* nested evaluation entry points */
    uint64_t steps;                 /* steps before the current window */
    int64_t window;                 /* the current window's budget at its start */
    uint64_t step_end, byte_end, time_end;  /* exceeded once past these */
    enum lo_limit_kind exceeded;    /* the limit exceeded (GRACE) */
    bool cut;                       /* and the grace too: cut off */
};
/* What is left of an evaluation once past its limit -- handlers, cleanups,
 * code that caught RESOURCE-EXHAUSTED -- runs at most this much more,
 * counted from the moment the limit was exceeded. */
enum { LO_LIMIT_GRACE_STEPS = 100000, LO_LIMIT_GRACE_BYTES = 1 << 20 };
#define LO_LIMIT_GRACE_NS (100ull * 1000 * 1000)        /* 100 ms */

/* The object system's lock (locks.c): which thread holds it, under the
 * mutex. */
struct lo_clos_lock {
    lo_mutex mutex;
    lo_cond released;
    struct lo_lisp *owner;
};

/* The data lock (locks.c): a reader-writer lock, under the mutex. */
struct lo_data_lock {
    /* the low 32 bits: the threads holding it shared; DATA_WRITER: one
     * holds it exclusive; from DATA_WAITER up: the writers waiting.  A
     * reader takes and gives back its hold with one atomic operation
     * when no writer holds it or waits; the rest goes under the mutex */
    _Atomic uint64_t state;
    lo_mutex mutex;
    lo_cond changed;
    struct lo_lisp *writer;         /* the thread holding it exclusive */
};

/*
 * What every thread of one Lisp system shares: the store, the heap and
 * the collector's state.  The lock guards the packages and their symbol
 * tables, the environments and the list of threads against other writers.
 */
struct lo_world {
    lo_ckpt *store;
    lo_heap *heap;
    struct lo_heap_root *root;
    lo_value *roots[LO_LISP_ROOTS]; /* the Lisp's named roots (above) */
    int cold;
    bool booting;                   /* running the boot code (cold boot,
                                     * or again by an upgrade) */
    bool upgrading;                 /* running it again into an existing
                                     * heap (upgrade.c) */
    lo_mutex lock;
    struct lo_lisp *threads;
    _Atomic int inhibited;          /* threads where collecting is unsafe */
    _Atomic uint64_t gc_epoch;      /* collections by this process */
    struct lo_gc_result last_gc;
    uint64_t gc_total_ns, gc_max_ns;    /* pauses, under lock */
    uint64_t gc_young;                  /* young collections, under lock */
    bool verify;                    /* check the heap after collections */
    struct lo_slots kept;           /* kept references (api.h), under lock */
    struct lo_clos_lock clos;       /* locks.c */
    struct lo_data_lock data;       /* locks.c */
    /* the object store's named root slots once found (store/store.c):
     * places in the root page, which never move; read and set atomically */
    lo_value *store_roots[2];
};

/*
 * One thread of evaluation (the lo_lisp of lisp.h): its VM, its dynamic
 * bindings, its allocation buffer, and its roots.  Used only by the
 * thread that opened it.
 */
struct lo_lisp {
    struct lo_world *W;
    lo_value env;               /* the global environment evaluations use
                                 * (environment.c; a root) */
    int64_t poll_budget;        /* VM steps until the limits' next check */
    int64_t limit_ticks;        /* turns of C loops until the next (limits.c) */
    atomic_bool cancel_requested;   /* lo_lisp_cancel, from any thread */
    lo_ckpt *store;             /* = W->store, W->heap, W->root */
    lo_heap *heap;
    struct lo_heap_root *root;
    lo_value nil, t;
    struct lo_lisp *next_thread;
    struct lo_alloc_buffer buffer;
    uint64_t large_bytes;       /* allocated outside the buffer (large objects) */
    struct lo_limit_state limits;
    /* the last error raised, "TYPE: message", kept in C for when no
     * condition object could be made (allocating is what failed) */
    char error[LO_ERROR_MAX];
    /* the embedding API (api.c): values C holds, the last failure, and
     * whether lo_lisp_wait_begin made the thread count as parked */
    struct lo_slots handles;
    struct lo_failure failure;
    bool wait_began;
    /* non-local exits (control.c): the catch stack, the VM loops nested
     * on the C stack (each a jump buffer), and the exit in progress: the
     * index of its target entry and the values it carries */
    struct lo_catch *catches;
    uint32_t ncatches;
    lo_jmp_buf *levels;
    uint32_t nlevels;
    uint32_t landing;               /* the entry being landed on */
    uint32_t unwind_target;
    uint32_t unwind_n;
    lo_value unwind_v[LO_MV_LIMIT]; /* no collection while they are here */
    uint64_t exit_serial;           /* identities of BLOCK/TAGBODY entries */
    int signal_depth;               /* errors signalled inside handlers */
    bool making_condition;          /* inside lo_error, allocating */
    bool world_locked;              /* holds W->lock (an error releases it) */
    uint32_t clos_depth;            /* holds W->clos, so many times (locks.c) */
    uint32_t data_shared;           /* holds W->data shared, so many times */
    uint32_t data_exclusive;        /* and exclusive (locks.c) */
    /* the VM */
    lo_value *stack;
    uint32_t sp;
    struct lo_frame *frames;
    uint32_t nframes;
    /* the compiler's scratch state, one per nesting level (lambdas inside
     * lambdas, compiles inside macro expansions); kept for reuse */
    struct compiler *compilers[64];
    int compile_depth;
    uint64_t gensym_counter;
    struct lo_binding *bindings;    /* dynamic bindings in force */
    uint32_t nbindings;
    /* this thread's values of special variables it has bound, by the
     * index in the variable's cell (LO_NO_BINDING: the global value) */
    lo_value *specials;
    uint32_t nspecials;
    /* C locals holding values while Lisp runs (see "roots" below) */
    lo_value **roots;
    uint32_t nroots;
    struct lo_scratch scratch;      /* C memory for primitives (scratch.h) */
    int gc_inhibit;                 /* > 0: inside the compiler */
    /* the primitive running (set by the VM at each call, put back when a
     * call from C into Lisp returns or an exit lands), for the messages
     * of its errors; NULL before the first call */
    const struct lo_primitive *primitive;
    /* a write grant (freeze.c): 1 + the frame that asked for it, or 0;
     * and whether a frozen object was written since the last freeze */
    uint32_t write_grant;
    bool wrote_frozen;
    /* multiple values: the count of the last values returned and the
     * ones after the primary (mv[0] is unused: the primary travels on
     * the stack) */
    uint32_t nvalues;
    lo_value mv[LO_MV_LIMIT];
    /* what this thread wrote to standard output and the host has not yet
     * taken (UTF-8; streams.c, lo_lisp_take_output) */
    char *output;
    size_t output_len, output_cap;
    uint64_t output_column;
    /* the backtrace of the last error that reached an evaluation entry
     * point unhandled (conditions.c, lo_lisp_take_backtrace) */
    char *backtrace;
    size_t backtrace_len, backtrace_cap;
    bool in_backtrace;              /* taking one (an error there: none) */
};

/*
 * ---- roots and safepoints ----
 * Collections happen only at safepoints: the VM's polls (calls and
 * backward jumps).  Allocation never collects, so C code needs no roots
 * while it merely allocates; it needs them only for values it holds
 * across a call back into Lisp (lo_vm_apply), which may reach a poll:
 *
 *     uint32_t mark = lo_roots_mark(L);
 *     lo_root(L, &list);              // the collector updates it in place
 *     ... lo_vm_apply(L, fn, ...) ...
 *     lo_roots_release(L, mark);
 *
 * A primitive's arguments live on the VM stack and are roots already.
 * The compiler holds values all over its C stack while macros run, so it
 * inhibits collection instead (lo_gc_inhibit / lo_gc_allow).
 */
static inline uint32_t lo_roots_mark(lo_lisp *L) { return L->nroots; }
void lo_root(lo_lisp *L, lo_value *slot);
static inline void lo_roots_release(lo_lisp *L, uint32_t mark)
{
    LO_ASSERT(mark <= L->nroots);
    L->nroots = mark;
}
void lo_gc_inhibit(lo_lisp *L);
void lo_gc_allow(lo_lisp *L);
void lo_gc_inhibit_restore(lo_lisp *L, int depth);   /* after an error */

/* Poll: park for a stopped world, collect when one is due, and count a
 * VM step against the evaluation limits (which may raise, limits.c).
 * True when a collection ran (the VM then reloads what it derived from
 * the heap). */
bool lo_poll_slow(lo_lisp *L);
static inline bool lo_poll(lo_lisp *L)
{
    if (__builtin_expect(--L->poll_budget < 0, 0)
        || atomic_load_explicit(&lo_world_stop_requested, memory_order_relaxed)
        || lo_heap_collection_due(L->heap))
        return lo_poll_slow(L);
    return false;
}
/* Collect now (world stopped by this call); false when it was not safe. */
bool lo_collect(lo_lisp *L);

/*
 * The VM's limits.  Part of each stack is kept in reserve for the
 * handlers of the error that reports the rest full, so a handler can run
 * (and the error be caught) when a program recurses too deeply.
 */
enum { LO_FRAME_RESERVE = 512, LO_STACK_RESERVE = 8192 };
static inline uint32_t lo_frame_limit(const lo_lisp *L)
{
    return LO_MAX_FRAMES - (L->signal_depth ? 0 : LO_FRAME_RESERVE);
}
static inline uint32_t lo_stack_limit(const lo_lisp *L)
{
    return LO_STACK_VALUES - (L->signal_depth ? 0 : LO_STACK_RESERVE);
}

/* The world lock, taken by symbol and cell creation; an error raised
 * while it is held releases it. */
static inline void lo_world_lock(lo_lisp *L)
{
    lo_mutex_lock(&L->W->lock);
    L->world_locked = true;
}
static inline void lo_world_unlock(lo_lisp *L)
{
    LO_ASSERT(L->world_locked);
    L->world_locked = false;
    lo_mutex_unlock(&L->W->lock);
}

/* The slot of one of the Lisp's persistent roots. */
static inline lo_value *lo_world_root(lo_lisp *L, enum lo_lisp_root r)
{
    return L->W->roots[r];
}

/* ---- the object system's lock (locks.c) ----
 * Recursive, held across Lisp code (polls included: a waiter waits
 * blocked); an exit landing on a catch entry restores the depth the entry
 * recorded. */
void lo_clos_lock_init(struct lo_world *W);
void lo_clos_lock_destroy(struct lo_world *W);
void lo_clos_lock(lo_lisp *L);
void lo_clos_unlock(lo_lisp *L);
void lo_clos_lock_restore(lo_lisp *L, uint32_t depth);
/* The data lock's part of the world (init, destroy) and of an exit's
 * landing (restore: what the entry recorded).  Its users see lisp.h's
 * lo_data_lock_*. */
void lo_data_lock_init(struct lo_world *W);
void lo_data_lock_destroy(struct lo_world *W);
void lo_data_lock_restore(lo_lisp *L, uint32_t shared, uint32_t exclusive);

/* ---- evaluation limits (limits.c) ---- */
/* The start and end of an evaluation entry point (lo_pcall, api.c):
 * the limits set begin to count at the outermost one; at the end of
 * any, true when the evaluation is past a limit (it has failed, whatever
 * its code did), with RESOURCE-EXHAUSTED's message put in out. */
struct lo_text;
void lo_limits_begin(lo_lisp *L);
bool lo_limits_end(lo_lisp *L, struct lo_text *out);
/* The full check, when the step budget has run out: raises
 * RESOURCE-EXHAUSTED, or cuts the evaluation off, when past a limit. */
void lo_limits_check(lo_lisp *L);
/* The same before `bytes` more are taken on allocation's slow path. */
void lo_limits_check_alloc(lo_lisp *L, uint64_t bytes);
/* A turn of a loop in C that neither polls nor allocates and may not
 * end (EQUAL on two circular lists): every LO_LIMIT_TICKS turns count as
 * a VM step, and the limits are checked. */
enum { LO_LIMIT_TICKS = 1 << 16 };
void lo_limits_ticked(lo_lisp *L);
static inline void lo_limits_tick(lo_lisp *L)
{
    if (__builtin_expect(--L->limit_ticks < 0, 0))
        lo_limits_ticked(L);
}
/* A VM step that is no poll (a call from C into Lisp). */
static inline void lo_count_step(lo_lisp *L)
{
    if (__builtin_expect(--L->poll_budget < 0, 0))
        lo_limits_check(L);
}

/* ---- errors and non-local exits (control.c) ---- */
/* Signal an error of condition type `type` (a symbol name such as
 * "TYPE-ERROR") with a printf-style message.  Handlers may take it;
 * otherwise the innermost evaluation entry point reports it. */
_Noreturn void lo_error(lo_lisp *L, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void lo_raise(lo_lisp *L, lo_value condition);
/* The end of lo_raise, when no handler took the condition: the backtrace
 * taken, to the innermost evaluation entry point (INVOKE-DEBUGGER). */
_Noreturn void lo_unhandled(lo_lisp *L, lo_value condition);
/* lo_error with the message made and initargs: a property list made by
 * make_data(L, ctx) (NULL: none), unless allocating is what failed. */
_Noreturn void lo_raise_error(lo_lisp *L, const char *type,
                              const char *message,
                              lo_value (*make_data)(lo_lisp *, void *),
                              void *ctx);
/* Leave for the outermost evaluation entry point at once with c: no
 * handler sees it, no cleanup runs (the limits' cut-off). */
_Noreturn void lo_abort(lo_lisp *L, lo_value c);
/* A TYPE-ERROR about datum, which is not of type `expected` (a symbol
 * name). */
_Noreturn void lo_type_error(lo_lisp *L, lo_value datum, const char *expected,
                             const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a compound expected type: form is the type specifier
 * (the condition's), expected its text. */
_Noreturn void lo_type_error_as(lo_lisp *L, lo_value datum,
                                const char *expected, lo_value form,
                                const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
lo_value lo_make_condition(lo_lisp *L, lo_value type, lo_value message,
                           lo_value data);
/* A condition object, else the TYPE-ERROR of lo_arg_error (conditions.c). */
lo_value lo_arg_condition(lo_lisp *L, lo_value v);
/* conditions.c: an error whose condition carries initargs, the standard
 * slots its readers give back: pairs of a keyword's name and a value,
 * e.g. { "PATHNAME", path } for FILE-ERROR-PATHNAME. */
struct lo_initarg { const char *key; lo_value value; };
_Noreturn void lo_error_initargs(lo_lisp *L, const char *type,
                                 const struct lo_initarg *initargs, unsigned n,
                                 const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* An ARITHMETIC-ERROR of type (DIVISION-BY-ZERO,
 * FLOATING-POINT-OVERFLOW...): the operation named op (a standard
 * function's name; NULL: the primitive running) on n operands. */
_Noreturn void lo_arithmetic_error(lo_lisp *L, const char *type,
                                   const char *op, const lo_value *operands,
                                   unsigned n, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* UNDEFINED-FUNCTION (function) or UNBOUND-VARIABLE about name, a
 * symbol or (SETF symbol): CELL-ERROR-NAME gives it back. */
_Noreturn void lo_cell_error(lo_lisp *L, lo_value name, bool function);
/* UNDEFINED-FUNCTION about a primitive object whose name this binary has
 * no row for any more (primitives.c): "the function LISPOS:FOO was
 * removed from LispOS". */
_Noreturn void lo_removed_primitive_error(lo_lisp *L, lo_value prim);
/* conditions.c: the backtrace of the frames above the evaluation entry
 * point catches[top] (innermost first, at most LO_BACKTRACE_FRAMES), kept
 * for lo_lisp_take_backtrace; and the text a condition reports, when its
 * report is a function (Lisp is called: before the exit). */
enum { LO_BACKTRACE_FRAMES = 30 };
void lo_backtrace_capture(lo_lisp *L, uint32_t top);
void lo_condition_report(lo_lisp *L, lo_value *c);
/* Bind *%RESTARTS* to the ABORT restart of the evaluation entry point
 * just pushed (once the condition system is booted); no Lisp runs. */
void lo_bind_toplevel_restarts(lo_lisp *L);
/* Print object (a condition or restart whose report is a function) as
 * its report says, calling Lisp (printer.c, under PRINC); false when that
 * cannot be done here. */
bool lo_print_report(lo_lisp *L, lo_value object, struct lo_text *out);

/* api.c: fn(L, ctx) under a bare entry point, one that runs no Lisp of
 * its own (no restarts, defaults or limits): the cold boot's, and the
 * API's own functions'.  LO_OK, or LO_ELISP (lo_last_error says why). */
int lo_protect(lo_lisp *L, lo_protected_fn *fn, void *ctx);
/* api.c, for api_values.c: how an API function runs its body -- directly
 * inside an entry point, else under one of its own (an evaluation when
 * runs_lisp) --; a new handle (STORAGE-CONDITION when the table is full);
 * the value a reference holds (a PROGRAM-ERROR naming op for NULL). */
int lo_api_run(lo_lisp *L, bool runs_lisp, lo_protected_fn *fn, void *ctx);
lo_ref lo_api_handle(lo_lisp *L, lo_value v);
lo_value lo_api_value(lo_lisp *L, lo_ref r, const char *op);

uint32_t lo_level_enter(lo_lisp *L);
static inline void lo_level_leave(lo_lisp *L)
{
    LO_ASSERT(L->nlevels > 0);
    L->nlevels--;
}
uint32_t lo_catch_push(lo_lisp *L, enum lo_catch_kind kind, lo_value tag,
                       uint32_t pc);
_Noreturn void lo_unwind(lo_lisp *L, uint32_t target);
_Noreturn void lo_throw(lo_lisp *L);
struct lo_catch *lo_land(lo_lisp *L);
void lo_land_values(lo_lisp *L, struct lo_catch *e);
void lo_save_values(lo_lisp *L);
void lo_restore_values(lo_lisp *L);
void lo_uwp_end(lo_lisp *L);

/* ---- capabilities (access.c; docs/lisp.md, "Capabilities") ---- */
/* Whether v carries access bits: pointers to header objects other than
 * symbols and numbers.  ACCESS-BITS of anything else is 15. */
bool lo_carries_access(lo_value v);
/* Signal ACCESS-DENIED unless v grants every bit of `bits`; the message
 * names op ("(SETF AREF): no write access to this vector"), the
 * condition carries :datum v, :operation op and :access (the bit). */
_Noreturn void lo_access_denied(lo_lisp *L, lo_value v, unsigned missing,
                                const char *op);
/* ACCESS-DENIED unless p's privilege lets the code running call it
 * (primitive.h): the VM's one check, out of line (environment.c). */
void lo_check_privilege(lo_lisp *L, const struct lo_primitive *p);
/* ---- the system's objects (freeze.c) ---- */
/* Whether the object at v (a pointer) is the system's: reachable from the
 * system environment, changed only by the system (freeze.c). */
static inline bool lo_frozen_p(lo_value v)
{
    return (__atomic_load_n(lo_ptr(v), __ATOMIC_RELAXED) &
            LO_HEADER_FROZEN) != 0;
}
/* A write to frozen v, about to be done by op: returns when the system
 * itself writes, else signals ACCESS-DENIED. */
void lo_frozen_write(lo_lisp *L, lo_value v, const char *op);
/* ACCESS-DENIED: op may not change v, the system's (access.c). */
_Noreturn void lo_access_denied_system(lo_lisp *L, lo_value v,
                                       const char *op);
/* Freeze what the system environment reaches; returns how many objects
 * got the bit.  And the end of an evaluation: freeze when it may have
 * given the system new objects. */
uint64_t lo_freeze_system(lo_lisp *L);
void lo_freeze_after_eval(lo_lisp *L);
/* Freeze what is new since the last walk: what C hung off the system
 * environment's structural objects (new primitive objects and symbols at
 * an open: primitives.c). */
uint64_t lo_freeze_new(lo_lisp *L);

/* Check v grants every bit of `bits` for op -- and, for a write, that v
 * is not the system's (or the system writes). */
static inline void lo_check_access(lo_lisp *L, lo_value v, unsigned bits,
                                   const char *op)
{
    unsigned missing = bits & ~lo_access_bits(v);
    if (__builtin_expect(missing != 0, 0))
        lo_access_denied(L, v, missing, op);
    if ((bits & LO_ACCESS_WRITE) && __builtin_expect(lo_frozen_p(v), 0))
        lo_frozen_write(L, v, op);
}
/* The same for a cons (which carries no access bits) about to change. */
static inline void lo_check_cons_write(lo_lisp *L, lo_value c, const char *op)
{
    if (__builtin_expect(lo_frozen_p(c), 0))
        lo_frozen_write(L, c, op);
}
/* Every cons of list (as far as it is a chain of conses). */
void lo_check_list_write(lo_lisp *L, lo_value list, const char *op);

/* ---- allocation and data ---- */
lo_value lo_cons(lo_lisp *L, lo_value car, lo_value cdr);
uint64_t *lo_alloc_object(lo_lisp *L, enum lo_type type, uint64_t words);
/* An object whose first value_words words after the header are values and
 * the rest raw data (gc/heap.h). */
uint64_t *lo_alloc_raw(lo_lisp *L, enum lo_type type, uint64_t words,
                       unsigned value_words);
/* Cut a raw object just made down to words (its tail becomes a filler,
 * so the heap stays walkable). */
void lo_shrink_raw(uint64_t *p, uint64_t words);
lo_value lo_make_string(lo_lisp *L, const char *utf8, size_t len);
lo_value lo_make_vector(lo_lisp *L, uint64_t length, lo_value fill);
lo_value lo_car(lo_lisp *L, lo_value x);
lo_value lo_cdr(lo_lisp *L, lo_value x);
int64_t lo_list_length(lo_lisp *L, lo_value list);   /* -1: not a proper list (dotted, circular) */

static inline bool lo_null(lo_lisp *L, lo_value v) { return lo_eq(v, L->nil); }
/* A C truth value as a Lisp one: t or nil. */
static inline lo_value lo_truth(lo_lisp *L, bool b) { return b ? L->t : L->nil; }

/* strings: length and code point i */
static inline uint64_t lo_string_length(lo_value s)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(s)[1]);
}
static inline uint32_t lo_string_ref(lo_value s, uint64_t i)
{
    return ((const uint32_t *)(lo_ptr(s) + 2))[i];
}
/* UTF-8 for one code point into out (4 bytes room); returns the length. */
size_t lo_utf8_encode(uint32_t c, char *out);
/* One code point from the UTF-8 at *p, which moves past it (U+FFFD for
 * a malformed sequence). */
uint32_t lo_utf8_next(const unsigned char **p, const unsigned char *end);
/* A string's text as UTF-8 into buf (NUL-terminated, truncated). */
void lo_string_utf8(lo_value s, char *buf, size_t len);
/* Decode one UTF-8 sequence from *p (< end), advancing *p; malformed
 * input gives U+FFFD. */
uint32_t lo_utf8_next(const unsigned char **p, const unsigned char *end);

/* ---- symbols (package.c) and environments ---- */
/* The system's symbol named so (ASCII), as the boot code reads it: a
 * standard one, LISPOS's exported one, else LISPOS-INTERNAL's. */
lo_value lo_intern(lo_lisp *L, const char *name);
/* The symbol naming primitive p, in the package its row says. */
lo_value lo_primitive_symbol(lo_lisp *L, const struct lo_primitive *p);
/* The same symbol when it exists, else 0: nothing is interned. */
lo_value lo_find_primitive_symbol(lo_lisp *L, const struct lo_primitive *p);
/* The keyword named so (ASCII, without the colon). */
lo_value lo_intern_keyword(lo_lisp *L, const char *name);
bool lo_keywordp(lo_value v);
/* The value of the special variable named name (its binding in force
 * for this thread), LO_UNBOUND when it has none; and binding it
 * dynamically (undone by lo_unbind_to, or by a non-local exit). */
lo_value lo_special_value(lo_lisp *L, const char *name);
void lo_bind_named(lo_lisp *L, const char *name, lo_value value);
lo_value lo_gensym(lo_lisp *L);
lo_value lo_symbol_name(lo_value sym);
static inline bool lo_symbolp(lo_value v) { return lo_typep(v, LO_T_SYMBOL); }

/* The cell binding sym as a function (or variable, or macro) in the
 * current environment (environment.h); created unbound when create, else
 * nil if absent. */
lo_value lo_function_cell(lo_lisp *L, lo_value sym, bool create);
lo_value lo_variable_cell(lo_lisp *L, lo_value sym, bool create);
lo_value lo_macro_cell(lo_lisp *L, lo_value sym, bool create);
/* Call fn on every cell of one namespace (ENV_FUNCTIONS, ...) of env. */
void lo_for_each_cell(lo_lisp *L, lo_value env, unsigned slot,
                      void (*fn)(lo_lisp *L, lo_value cell, void *ctx),
                      void *ctx);
/*
 * A global cell is every thread's: its value is read with an acquire load
 * and written with a release store, so a thread that sees a definition
 * also sees what the definer made before it (the function and its code,
 * the object a DEFVAR holds); its flags are read and changed atomically
 * (bits are added while other threads read them).  On x86-64 these are
 * plain moves; they tell the compiler, and ThreadSanitizer, what is
 * shared.  (A closure's box is a cell too, the VM's own business.)
 */
static inline lo_value lo_cell_get(lo_value cell)
{
    return __atomic_load_n(&lo_ptr(cell)[CELL_VALUE], __ATOMIC_ACQUIRE);
}
static inline void lo_cell_set(lo_value cell, lo_value v)
{
    __atomic_store_n(&lo_ptr(cell)[CELL_VALUE], v, __ATOMIC_RELEASE);
}
static inline int64_t lo_cell_flags(lo_value cell)
{
    return lo_fixnum_value(__atomic_load_n(&lo_ptr(cell)[CELL_FLAGS],
                                           __ATOMIC_RELAXED));
}
static inline void lo_cell_add_flags(lo_value cell, int64_t bits)
{
    __atomic_fetch_or(&lo_ptr(cell)[CELL_FLAGS], (uint64_t)lo_fixnum(bits),
                      __ATOMIC_RELAXED);
}
/* Clear flag bits (below CELL_INDEX_SHIFT; the fixnum tag is untouched). */
static inline void lo_cell_clear_flags(lo_value cell, int64_t bits)
{
    __atomic_fetch_and(&lo_ptr(cell)[CELL_FLAGS], ~(uint64_t)lo_fixnum(bits),
                       __ATOMIC_RELAXED);
}
/* A global binding of cell is being defined (DEFUN, DEFMACRO, DEFVAR,
 * DEFCONSTANT, a class, a type...): while the boot code runs, a system
 * cell is marked as the boot's (CELL_BOOT) and no longer stale
 * (upgrade.c; lo_note_boot_definition is environment.c's).  Otherwise
 * nothing: one predictable branch. */
void lo_note_boot_definition(lo_value cell);
static inline void lo_note_definition(lo_lisp *L, lo_value cell)
{
    if (__builtin_expect(L->W->booting, 0))
        lo_note_boot_definition(cell);
}
/* Where the value of a global cell lives for this thread: its own slot
 * when it has bound the (special) variable, else the cell.  Read and
 * write it with lo_cell_value and lo_cell_assign. */
static inline lo_value *lo_cell_place(lo_lisp *L, lo_value cell)
{
    uint64_t index = (uint64_t)lo_cell_flags(cell) >> CELL_INDEX_SHIFT;
    if (index && index < L->nspecials && L->specials[index] != LO_NO_BINDING)
        return &L->specials[index];
    return &lo_ptr(cell)[CELL_VALUE];
}
static inline lo_value lo_cell_value(lo_lisp *L, lo_value cell)
{
    return __atomic_load_n(lo_cell_place(L, cell), __ATOMIC_ACQUIRE);
}
static inline void lo_cell_assign(lo_lisp *L, lo_value cell, lo_value v)
{
    __atomic_store_n(lo_cell_place(L, cell), v, __ATOMIC_RELEASE);
}
/* The value of the global variable sym for this thread (LO_UNBOUND). */
lo_value lo_symbol_value(lo_lisp *L, lo_value sym);
bool lo_special_p(lo_lisp *L, lo_value sym);
bool lo_constant_p(lo_lisp *L, lo_value sym);     /* DEFCONSTANT'd */
void lo_proclaim_special(lo_lisp *L, lo_value sym);
void lo_bind_special(lo_lisp *L, lo_value cell, lo_value value);
void lo_unbind_to(lo_lisp *L, uint32_t depth);
/* The macro function of sym, or nil when sym names no macro. */
lo_value lo_macro_function(lo_lisp *L, lo_value sym);
/* One step of macro expansion in env (nil: the global environment; else
 * what the compiler hands a macro): the expansion, or form itself. */
lo_value lo_macroexpand_1(lo_lisp *L, lo_value form, lo_value env,
                          bool *expanded);
/* The symbol whose function cell holds the function called name: name
 * itself, or for (setf sym) a hidden symbol kept on sym's property list
 * (made when create); 0 when name is not a function name (or has no
 * hidden symbol yet). */
lo_value lo_function_symbol(lo_lisp *L, lo_value name, bool create);
/* The same for an argument that must be a function name (symbols.c):
 * else a TYPE-ERROR as lo_arg_error signals. */
lo_value lo_arg_function_name(lo_lisp *L, lo_value name, bool create);
/* The other way: the function name sym stands for -- (SETF f) for f's
 * hidden setf symbol, else sym itself. */
lo_value lo_function_name(lo_lisp *L, lo_value sym);
/* Make fn the global function named sym, where the current environment
 * may (else ACCESS-DENIED naming op). */
void lo_define_function(lo_lisp *L, lo_value sym, lo_value fn,
                        const char *op);

/* ---- equality (equal.c) ---- */
/* EQL (numbers by value), EQUAL and EQUALP; lo_equalp_within is EQUALP
 * depth levels down into what is compared (for the types it descends
 * into: hashtable.c); lo_char_fold the case folding of EQUALP and
 * CHAR-EQUAL. */
bool lo_eql(lo_value x, lo_value y);
bool lo_equal(lo_lisp *L, lo_value x, lo_value y);
bool lo_equalp(lo_lisp *L, lo_value x, lo_value y);
bool lo_equalp_within(lo_lisp *L, lo_value x, lo_value y, int depth);
uint32_t lo_char_fold(uint32_t c);

/* A primitive returning several values: returns v[0] (nil when n is 0),
 * the caller's `return lo_values(L, n, v);` */
lo_value lo_values(lo_lisp *L, uint32_t n, const lo_value *v);

/* ---- reader and printer ---- */
/* Read one form from the UTF-8 *text (NUL-terminated; a stream's text,
 * streams.h, is kept so); *text moves past it.  False at the end of the
 * text (only blanks and comments were left, and *text is at the end). */
bool lo_read(lo_lisp *L, const char **text, lo_value *out);
/* The same, reading within a source: the whole text the form is part
 * of, and an input stream over exactly its bytes (the text at the
 * stream's position 0) or NIL -- a readtable's dispatch function reads
 * from that stream, made over the text when first needed.  A caller
 * that keeps a source across calls into Lisp roots its stream. */
struct lo_read_source {
    const char *text;
    lo_value stream;
};
bool lo_read_from(lo_lisp *L, struct lo_read_source *src, const char **text,
                  lo_value *out);
/* Past the whitespace and comments at text. */
const char *lo_read_skip(lo_lisp *L, const char *text);

/* An output buffer of UTF-8 text.  Bounded (what passes cap is dropped)
 * unless drain is set: then a full buffer is emptied into a stream
 * (lo_text_to_stream, streams.h) and the text has no bound. */
struct lo_text {
    char *buf;
    size_t len, cap;
    void (*drain)(struct lo_text *t);
    lo_lisp *L;
    lo_value stream;
};
void lo_text_put(struct lo_text *t, const char *s, size_t n);
/* Print v as PRIN1 does (escape 1), as PRINC does (0), or as the
 * variable *PRINT-ESCAPE* says (-1); *PRINT-BASE*, *PRINT-RADIX* and
 * *PRINT-CASE* apply.  Never calls back into Lisp. */
void lo_print(lo_lisp *L, lo_value v, int escape, struct lo_text *out);
void lo_prin1(lo_lisp *L, lo_value v, struct lo_text *out);
/* A number (any type) as prin1 writes it: integers and ratios in base
 * (2..36), with a radix marker when radix (*print-radix*); doubles as
 * SBCL prints them with *read-default-float-format* double-float. */
void lo_print_number(lo_lisp *L, lo_value v, unsigned base, bool radix,
                     struct lo_text *out);
/* The values of *print-base* and *print-radix* in force. */
void lo_print_base(lo_lisp *L, unsigned *base, bool *radix);

/* ---- compiler and VM ---- */
lo_value lo_compile_toplevel(lo_lisp *L, lo_value form);   /* -> function */
/* Read, compile and run the forms of the UTF-8 text in order: the last
 * one's value (nil for none).  eval.c. */
lo_value lo_eval_text(lo_lisp *L, const char *text);
bool lo_special_form_p(lo_lisp *L, lo_value sym);
/* The form a backquoted x stands for (calls of LIST, APPEND, QUOTE). */
lo_value lo_quasiquote(lo_lisp *L, lo_value x);
lo_value lo_vm_apply(lo_lisp *L, lo_value fn, const lo_value *args,
                     uint32_t nargs);
void lo_vm_init(void);              /* after the primitive table is built */

/* ---- primitives (primitive.h says how to write one) ---- */
/* The table of every primitive, by stable index: built at the first
 * lo_lisp_open by lo_primitives_init from lisp/'s own modules (listed in
 * primitives.c), then the modules registered by the layers above. */
extern const struct lo_primitive *const *lo_primitives;
extern unsigned lo_primitive_count;
extern int64_t lo_funcall_index, lo_apply_index;    /* the VM's business */
void lo_primitives_init(void);
/*
 * Bind the heap's primitive objects to this binary's table by name
 * (primitives.c): each object of the registry (LO_ROOT_PRIMITIVES) gets
 * this binary's index of its name, or -1 when this binary has no such
 * primitive (a removed one: calling it signals UNDEFINED-FUNCTION), and
 * every row with no object yet gets one, bound in its function cell.  A
 * heap whose registry is missing (made before it existed: the root holds
 * no vector) gets one from a walk over the whole heap.  Called at every
 * open, in the system environment, before any other thread runs; writes
 * nothing when nothing changed.  It may fail (a full heap; a bad header
 * met by the walk, which lo_prim_binding_bad_header tells), so it runs under
 * an entry point (open.c), with the C memory it needs made before by
 * lo_prim_binding_new (NULL: no memory) and freed after by lo_prim_binding_free.
 */
struct lo_prim_binding;
struct lo_prim_binding *lo_prim_binding_new(void);
void lo_bind_primitives(lo_lisp *L, void *binding);
bool lo_prim_binding_bad_header(const struct lo_prim_binding *b);
void lo_prim_binding_free(struct lo_prim_binding *b);
/* The row a primitive object stands for, NULL when it was removed. */
static inline const struct lo_primitive *lo_primitive_of(lo_value prim)
{
    int64_t index = lo_fixnum_value(lo_ptr(prim)[PRIM_INDEX]);
    return index >= 0 ? lo_primitives[index] : NULL;
}
/* lisp/'s own modules, each a table of rows ending with NULL. */
extern const struct lo_primitive *const lo_prims_conses[];
extern const struct lo_primitive *const lo_prims_symbols[];
extern const struct lo_primitive *const lo_prims_equal[];
extern const struct lo_primitive *const lo_prims_collect[];
extern const struct lo_primitive *const lo_prims_hash[];
extern const struct lo_primitive *const lo_prims_strings[];
extern const struct lo_primitive *const lo_prims_vectors[];
extern const struct lo_primitive *const lo_prims_sequences[];
extern const struct lo_primitive *const lo_prims_control[];
extern const struct lo_primitive *const lo_prims_eval[];
extern const struct lo_primitive *const lo_prims_packages[];
extern const struct lo_primitive *const lo_prims_numbers[];
extern const struct lo_primitive *const lo_prims_streams[];
extern const struct lo_primitive *const lo_prims_input[];
extern const struct lo_primitive *const lo_prims_write[];
extern const struct lo_primitive *const lo_prims_format[];
extern const struct lo_primitive *const lo_prims_disassemble[];
extern const struct lo_primitive *const lo_prims_environment[];
extern const struct lo_primitive *const lo_prims_conditions[];
extern const struct lo_primitive *const lo_prims_instances[];
extern const struct lo_primitive *const lo_prims_freeze[];
extern const struct lo_primitive *const lo_prims_access[];
extern const struct lo_primitive *const lo_prims_documentation[];
extern const struct lo_primitive *const lo_prims_locks[];
/* instances.c: the text PRINT-OBJECT gives instance x (nil when it
 * cannot run), and its class's name for a fallback. */
lo_value lo_instance_text(lo_lisp *L, lo_value x, bool escape,
                          lo_value *class_name);
/* instances.c: x is a structure (an instance of a DEFSTRUCT class). */
bool lo_structure_p(lo_lisp *L, lo_value x);
/* instances.c, for C code making and reading instances of a class it
 * knows (the store's entry handles): the current layout (wrapper) of
 * class c, or 0 when c does not look like a class; an instance's
 * wrapper and slot vector (x an instance); a new instance of a layout
 * with a slot vector, as %ALLOCATE-INSTANCE makes it. */
lo_value lo_class_wrapper(lo_value c);
lo_value lo_instance_wrapper(lo_value x);
lo_value lo_instance_slots(lo_value x);
lo_value lo_make_instance(lo_lisp *L, lo_value wrapper, lo_value slots);
/* arg_uses.c: whether fn is a bytecode function of one required argument
 * that uses it only as the first argument of calls of global functions,
 * each of which callee_ok accepts (given the function the call's cell
 * holds now and the number of arguments), the other arguments plain
 * values (constants, variables).  False whenever the bytecode does
 * anything else with it, or cannot be read. */
bool lo_arg_only_passed_to(lo_lisp *L, lo_value fn,
                           bool (*callee_ok)(lo_lisp *L, lo_value callee,
                                             uint32_t nargs));

#endif
