/*
 * limits.c -- evaluation limits: VM steps, bytes allocated and wall time
 * for each top-level evaluation (lisp.h, lo_lisp_set_limits).
 *
 * Counting costs the VM one decrement per step.  L->poll_budget, the steps
 * left in the current "window", goes down at every poll (calls and
 * backward jumps, vm.c) and every call from C into Lisp (lo_vm_apply);
 * only when it goes negative does lo_limits_check run: it adds the
 * window's steps to the count, compares the count, the thread's
 * allocation (its buffer's count, gc/heap.h) and the clock with the
 * limits, and opens the next window -- up to the step limit, or
 * CHECK_EVERY steps when bytes or wall time are limited too (so those are
 * checked every few microseconds of running code).  Allocation checks as
 * well, on its slow path only (every new 32 KiB chunk, every large
 * object), so that a primitive allocating a lot without a poll in between
 * is stopped there, before the memory is taken.  And the few loops in C
 * that neither poll nor allocate, and need not end (EQUAL on two circular
 * lists), tick: every LO_LIMIT_TICKS turns count as a step, and check.
 *
 * An evaluation goes through three phases (enum lo_limit_phase):
 *
 *   OFF    no limits: the budget is so large it never runs out
 *   ON     counting; past a limit, RESOURCE-EXHAUSTED is raised (offered
 *          to the handlers, then unwinding to the entry point through the
 *          cleanups on the way) and the phase becomes
 *   GRACE  what is left -- handlers, cleanups, code that caught the
 *          condition and went on -- runs against small fixed limits
 *          counted from that moment (LO_LIMIT_GRACE_*, internal.h); past
 *          one of those the evaluation is cut off: lo_abort goes straight
 *          to the entry point, skipping the handlers and cleanups left.
 *
 * Once past a limit the evaluation has failed: even if a handler caught
 * the condition and the code returned normally, the entry point reports
 * RESOURCE-EXHAUSTED.  So no handler can keep a limited evaluation alive,
 * and the total it can take is bounded by its limits plus the grace.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/internal.h"

#define NONE UINT64_MAX

/* With bytes or wall time limited, the full check runs at least every
 * this many steps: a few microseconds of calls, a clock read amortized to
 * nothing per step. */
enum { CHECK_EVERY = 256 };

/* Bytes this thread has allocated since it was opened. */
static uint64_t thread_bytes(lo_lisp *L)
{
    return lo_heap_buffer_allocated(&L->buffer) + L->large_bytes;
}

/* Steps taken in this evaluation, the current one included. */
static uint64_t steps_taken(lo_lisp *L)
{
    return L->limits.steps + (uint64_t)(L->limits.window - L->poll_budget);
}

/* A budget that will not run out, for evaluations without limits (and
 * between evaluations). */
static void no_window(lo_lisp *L)
{
    L->limits.steps = 0;
    L->limits.window = L->poll_budget = INT64_MAX;
}

/* Start the next window after `steps` steps: up to the step limit, and
 * no longer than CHECK_EVERY when something else needs checking. */
static void open_window(lo_lisp *L, uint64_t steps)
{
    struct lo_limit_state *s = &L->limits;
    uint64_t left = s->step_end - steps;        /* steps <= step_end */
    if ((s->byte_end != NONE || s->time_end != NONE) && left > CHECK_EVERY)
        left = CHECK_EVERY;
    if (left > INT64_MAX)
        left = INT64_MAX;
    s->steps = steps;
    s->window = L->poll_budget = (int64_t)left;
}

/* A threshold `limit` past `base` (NONE when limit is 0: no limit). */
static uint64_t threshold(uint64_t base, uint64_t limit)
{
    if (!limit)
        return NONE;
    return base + limit < base ? NONE - 1 : base + limit;
}

void lo_limits_begin(lo_lisp *L)
{
    struct lo_limit_state *s = &L->limits;
    if (s->depth++ > 0)         /* a nested entry point: the outer one counts */
        return;
    s->now = s->set;
    s->cut = false;
    if (!s->now.steps && !s->now.bytes && !s->now.wall_ns) {
        s->phase = LO_LIMITS_OFF;
        no_window(L);
        return;
    }
    s->phase = LO_LIMITS_ON;
    s->step_end = threshold(0, s->now.steps);
    s->byte_end = threshold(thread_bytes(L), s->now.bytes);
    s->time_end = s->now.wall_ns ? threshold(lo_clock_ns(), s->now.wall_ns)
                                 : NONE;
    open_window(L, 0);
}

/* The message of RESOURCE-EXHAUSTED for the limit exceeded. */
static void describe(lo_lisp *L, char *buf, size_t len)
{
    struct lo_limit_state *s = &L->limits;
    switch (s->exceeded) {
    case LO_LIMIT_STEPS:
        lo_snprintf(buf, len, "the evaluation took more than %llu VM "
                    "step%s", (unsigned long long)s->now.steps,
                    s->now.steps == 1 ? "" : "s");
        break;
    case LO_LIMIT_BYTES:
        lo_snprintf(buf, len, "the evaluation allocated more than %llu "
                    "bytes", (unsigned long long)s->now.bytes);
        break;
    case LO_LIMIT_CANCEL:
        lo_snprintf(buf, len, "the evaluation was cancelled");
        break;
    case LO_LIMIT_TIME: {
        uint64_t ms = s->now.wall_ns / 1000000;
        lo_snprintf(buf, len, "the evaluation ran longer than %llu.%03llu "
                    "seconds", (unsigned long long)(ms / 1000),
                    (unsigned long long)(ms % 1000));
        break;
    }
    }
}

bool lo_limits_end(lo_lisp *L, struct lo_text *out)
{
    struct lo_limit_state *s = &L->limits;
    if (s->depth == 0)
        return false;
    bool exceeded = s->phase == LO_LIMITS_GRACE;
    if (--s->depth == 0) {
        s->phase = LO_LIMITS_OFF;
        no_window(L);
    }
    if (!exceeded)
        return false;
    char message[LO_ERROR_MAX];
    describe(L, message, sizeof message);
    out->len = 0;
    lo_text_put(out, message, strlen(message));
    if (s->cut) {
        static const char cut[] = " (what was left was cut off after its "
                                  "grace)";
        lo_text_put(out, cut, sizeof cut - 1);
    }
    return true;
}

/* The value of the limit exceeded, in its own unit. */
static uint64_t exceeded_value(const struct lo_limit_state *s)
{
    switch (s->exceeded) {
    case LO_LIMIT_STEPS: return s->now.steps;
    case LO_LIMIT_BYTES: return s->now.bytes;
    case LO_LIMIT_TIME: return s->now.wall_ns;
    case LO_LIMIT_CANCEL: return 0;
    }
    return 0;
}

/* The initargs of RESOURCE-EXHAUSTED: (:limit kind :value limit), kind
 * :steps, :bytes or :wall-time and the limit in steps, bytes or
 * nanoseconds. */
static lo_value exhausted_data(lo_lisp *L, void *ctx)
{
    (void)ctx;
    static const char *const kinds[] = { "STEPS", "BYTES", "WALL-TIME",
                                         "CANCELLED" };
    uint64_t value = exceeded_value(&L->limits);
    if (value > (uint64_t)LO_FIXNUM_MAX)    /* 2^61 ns: 73 years */
        value = (uint64_t)LO_FIXNUM_MAX;
    return lo_cons(L, lo_intern_keyword(L, "LIMIT"),
           lo_cons(L, lo_intern_keyword(L, kinds[L->limits.exceeded]),
           lo_cons(L, lo_intern_keyword(L, "VALUE"),
           lo_cons(L, lo_fixnum((int64_t)value), L->nil))));
}

/*
 * A limit is exceeded: from now on the evaluation runs in its grace, whose
 * thresholds count from here; then RESOURCE-EXHAUSTED is raised.
 */
static _Noreturn void exceed(lo_lisp *L, enum lo_limit_kind kind,
                             uint64_t steps, uint64_t bytes, uint64_t now)
{
    struct lo_limit_state *s = &L->limits;
    s->phase = LO_LIMITS_GRACE;
    s->exceeded = kind;
    s->step_end = threshold(steps, LO_LIMIT_GRACE_STEPS);
    s->byte_end = threshold(bytes, LO_LIMIT_GRACE_BYTES);
    s->time_end = threshold(now ? now : lo_clock_ns(), LO_LIMIT_GRACE_NS);
    open_window(L, steps);
    char message[LO_ERROR_MAX];
    describe(L, message, sizeof message);
    lo_raise_error(L, "RESOURCE-EXHAUSTED", message, exhausted_data, NULL);
}

/* Compare the counts with the thresholds (`more` bytes about to be
 * taken); past one, exceed the limit or, in the grace, cut off. */
static void check(lo_lisp *L, uint64_t more)
{
    struct lo_limit_state *s = &L->limits;
    if (s->phase == LO_LIMITS_OFF) {
        no_window(L);
        return;
    }
    uint64_t steps = steps_taken(L), bytes = thread_bytes(L), now = 0;
    enum lo_limit_kind kind;
    if (s->phase == LO_LIMITS_ON &&
        atomic_load_explicit(&L->cancel_requested, memory_order_relaxed))
        kind = LO_LIMIT_CANCEL;         /* (in the grace, the others only) */
    else if (steps > s->step_end)
        kind = LO_LIMIT_STEPS;
    else if (bytes + more > s->byte_end)
        kind = LO_LIMIT_BYTES;
    else if (s->time_end != NONE && (now = lo_clock_ns()) > s->time_end)
        kind = LO_LIMIT_TIME;
    else {
        open_window(L, steps);
        return;
    }
    if (s->phase == LO_LIMITS_ON)
        exceed(L, kind, steps, bytes, now);
    s->cut = true;
    lo_abort(L, L->nil);
}

void lo_limits_check(lo_lisp *L)
{
    check(L, 0);
}

void lo_limits_check_alloc(lo_lisp *L, uint64_t bytes)
{
    /* Not while a condition is being made, nor under the world lock: what
     * is changed there (packages, environments) is every thread's, and
     * what it allocates small; the next check will see the excess. */
    if (L->limits.phase != LO_LIMITS_OFF && !L->making_condition &&
        !L->world_locked)
        check(L, bytes);
}

/* LO_LIMIT_TICKS turns of a loop in C: a step's worth of work, and a
 * check (with allocation's guards), so that a step limit alone bounds
 * such a loop too. */
void lo_limits_ticked(lo_lisp *L)
{
    L->limit_ticks = LO_LIMIT_TICKS;
    L->poll_budget--;
    lo_limits_check_alloc(L, 0);
}

void lo_lisp_set_limits(lo_lisp *L, const struct lo_limits *limits)
{
    L->limits.set = *limits;
}

void lo_lisp_cancel(lo_lisp *L, bool on)
{
    atomic_store_explicit(&L->cancel_requested, on, memory_order_relaxed);
}
