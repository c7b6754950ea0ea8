/*
 * control.c -- non-local exits and errors: the catch stack and unwinding.
 *
 * CATCH, a BLOCK or TAGBODY reached from a closure, UNWIND-PROTECT and each
 * evaluation entry point push an entry on the thread's catch stack
 * (struct lo_catch) recording the machine state to return to: frames,
 * value stack, dynamic bindings, C roots.  A non-local exit (THROW, a far
 * RETURN-FROM or GO, an error) puts the values it carries in
 * L->unwind_v and walks the stack from the top towards its target:
 *
 *   - an UNWIND-PROTECT entry on the way is landed on first: its cleanup
 *     code runs with the pending exit saved on the value stack, and its
 *     last instruction (OP_UWP_END) resumes the exit where it stopped;
 *   - the target is landed on: the state is restored, the values pushed,
 *     and execution continues at the entry's address.
 *
 * The VM nests on the C stack when a primitive calls back into Lisp (SORT
 * with a Lisp predicate, a macro run by the compiler).  Each nested VM
 * loop is a "level" with a jump buffer; an entry belongs to the level
 * that pushed it, and landing on it jumps there, abandoning the C frames
 * in between -- which is why C code may hold nothing but values (rooted
 * through lo_root, restored here) across a call back into Lisp.
 *
 * Errors are conditions: lo_error makes one and raises it.  Raising
 * offers it to the handlers established by HANDLER-BIND/HANDLER-CASE (in
 * Lisp: lisp/boot/20-conditions.lisp, through %SIGNAL); a handler that
 * takes it exits non-locally.  When none does, the exit goes to the
 * innermost evaluation entry point, running every cleanup on the way.
 * The one exit that skips cleanups is lo_abort, the evaluation limits'
 * cut-off of what runs past its grace (limits.c).
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/internal.h"
#include "lisp/scratch.h"

/* ---- levels: nested VM loops ---- */

uint32_t lo_level_enter(lo_lisp *L)
{
    if (L->nlevels >= LO_MAX_LEVELS)
        lo_error(L, "STORAGE-CONDITION", "control stack exhausted (Lisp "
                 "called from C more than %d deep)", LO_MAX_LEVELS);
    return L->nlevels++;
}

/* ---- the catch stack ---- */

uint32_t lo_catch_push(lo_lisp *L, enum lo_catch_kind kind, lo_value tag,
                       uint32_t pc)
{
    if (L->ncatches >= LO_MAX_CATCHES)
        lo_error(L, "STORAGE-CONDITION", "too many nested CATCH, BLOCK and "
                 "UNWIND-PROTECT forms (more than %d)", LO_MAX_CATCHES);
    struct lo_catch *e = &L->catches[L->ncatches];
    *e = (struct lo_catch){
        .tag = tag, .kind = kind, .level = L->nlevels - 1,
        .nframes = L->nframes, .sp = L->sp, .nbindings = L->nbindings,
        .nroots = L->nroots, .pc = pc, .gc_inhibit = L->gc_inhibit,
        .compile_depth = L->compile_depth, .signal_depth = L->signal_depth,
        .primitive = L->primitive, .write_grant = L->write_grant,
        .clos_depth = L->clos_depth,
        .data_shared = L->data_shared, .data_exclusive = L->data_exclusive,
        .scratch = L->scratch.used,
    };
    return L->ncatches++;
}

/*
 * Continue the exit to entry `target` (values in L->unwind_v): pass over
 * entries above it, stopping at the first cleanup, and jump to the level
 * that owns the entry to land on.
 */
_Noreturn void lo_unwind(lo_lisp *L, uint32_t target)
{
    for (;;) {
        uint32_t top = L->ncatches - 1;
        struct lo_catch *e = &L->catches[top];
        if (top == target || e->kind == LO_CATCH_CLEANUP) {
            L->unwind_target = target;
            L->landing = top;
            L->nlevels = e->level + 1;
            LO_LONGJMP(L->levels[e->level]);
        }
        L->ncatches--;
    }
}

/*
 * Restore the state recorded in the entry being landed on (L->landing);
 * entries above it are gone.  A TAGBODY's entry stays: execution goes on
 * inside its extent.  Returns the entry.
 */
struct lo_catch *lo_land(lo_lisp *L)
{
    LO_ASSERT(L->landing < L->ncatches);
    struct lo_catch *e = &L->catches[L->landing];
    L->ncatches = L->landing + (e->kind == LO_CATCH_TAGBODY);
    L->nframes = e->nframes;
    L->sp = e->sp;
    lo_unbind_to(L, e->nbindings);
    L->nroots = e->nroots;
    lo_scratch_release(L, e->scratch);
    lo_gc_inhibit_restore(L, e->gc_inhibit);
    L->compile_depth = e->compile_depth;
    L->signal_depth = e->signal_depth;
    L->primitive = e->primitive;
    L->write_grant = e->write_grant;
    L->making_condition = false;
    lo_clos_lock_restore(L, e->clos_depth);
    lo_data_lock_restore(L, e->data_shared, e->data_exclusive);
    return e;
}

/* The values of a form just evaluated (primary on top of the stack) as an
 * exit's payload. */
static void take_values(lo_lisp *L)
{
    lo_value primary = L->stack[--L->sp];
    uint32_t n = L->nvalues;
    if (n > LO_MV_LIMIT)
        n = 1;
    L->unwind_v[0] = primary;
    for (uint32_t i = 1; i < n; i++)
        L->unwind_v[i] = L->mv[i];
    L->unwind_n = n;
}

/* (throw tag form): the tag, then the values, are on the stack.  The
 * search stops at the innermost evaluation entry point: an exit never
 * crosses one, so the C code that called it (a host's lo_pcall) always
 * gets control back. */
_Noreturn void lo_throw(lo_lisp *L)
{
    take_values(L);
    lo_value tag = L->stack[--L->sp];
    for (uint32_t i = L->ncatches; i-- > 0;) {
        struct lo_catch *e = &L->catches[i];
        if (e->kind == LO_CATCH_TOPLEVEL)
            break;
        if ((e->kind == LO_CATCH_CATCH || e->kind == LO_CATCH_TAGBODY) &&
            lo_eq(e->tag, tag))
            lo_unwind(L, i);
    }
    if (lo_exit_id_p(tag))
        lo_error(L, "CONTROL-ERROR", "RETURN-FROM or GO to a block or tag "
                 "whose extent has ended");
    lo_error(L, "CONTROL-ERROR", "THROW: no CATCH for the tag");
}

/*
 * Saved values, as UNWIND-PROTECT and MULTIPLE-VALUE-PROG1 keep them on
 * the stack while other code runs: the values, then their count, then
 * (for UNWIND-PROTECT) the exit to resume or -1.
 */
static void push_value(lo_lisp *L, lo_value v)
{
    if (L->sp >= lo_stack_limit(L))
        lo_error(L, "STORAGE-CONDITION", "value stack exhausted");
    L->stack[L->sp++] = v;
}

static void push_values(lo_lisp *L, const lo_value *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        push_value(L, v[i]);
    push_value(L, lo_fixnum(n));
}

void lo_save_values(lo_lisp *L)
{
    take_values(L);
    push_values(L, L->unwind_v, L->unwind_n);
}

/* Undo lo_save_values: the primary back on top, the rest in mv. */
void lo_restore_values(lo_lisp *L)
{
    uint32_t n = (uint32_t)lo_fixnum_value(L->stack[--L->sp]);
    L->sp -= n;
    lo_value *v = &L->stack[L->sp];
    for (uint32_t i = 1; i < n; i++)
        L->mv[i] = v[i];
    L->nvalues = n;
    push_value(L, n ? v[0] : L->nil);
}

/* The stack state a landing leaves for the code at the entry's address. */
void lo_land_values(lo_lisp *L, struct lo_catch *e)
{
    if (e->kind == LO_CATCH_CLEANUP) {
        push_values(L, L->unwind_v, L->unwind_n);
        push_value(L, lo_fixnum(L->unwind_target));
        return;
    }
    for (uint32_t i = 1; i < L->unwind_n; i++)
        L->mv[i] = L->unwind_v[i];
    L->nvalues = L->unwind_n;
    push_value(L, L->unwind_n ? L->unwind_v[0] : L->nil);
}

/* The end of an UNWIND-PROTECT's cleanup: go on as before it. */
void lo_uwp_end(lo_lisp *L)
{
    int64_t target = lo_fixnum_value(L->stack[--L->sp]);
    if (target < 0) {
        lo_restore_values(L);
        return;
    }
    uint32_t n = (uint32_t)lo_fixnum_value(L->stack[--L->sp]);
    L->sp -= n;
    for (uint32_t i = 0; i < n; i++)
        L->unwind_v[i] = L->stack[L->sp + i];
    L->unwind_n = n;
    lo_unwind(L, (uint32_t)target);
}

/* ---- conditions ---- */

lo_value lo_make_condition(lo_lisp *L, lo_value type, lo_value message,
                           lo_value data)
{
    uint64_t *c = lo_alloc_object(L, LO_T_CONDITION, CONDITION_WORDS);
    c[CONDITION_TYPE] = type;
    c[CONDITION_MESSAGE] = message;
    c[CONDITION_DATA] = data;
    return lo_make_object(c);
}

/* The innermost evaluation entry point, where unhandled errors go.
 * Every way into the Lisp pushes one first (lo_pcall, api.c): an error
 * with none is a bug of the caller, not something to recover from. */
static uint32_t toplevel(lo_lisp *L)
{
    for (uint32_t i = L->ncatches; i-- > 0;)
        if (L->catches[i].kind == LO_CATCH_TOPLEVEL)
            return i;
    lo_panic("lisp: an error outside any evaluation entry point (%s)",
             L->error[0] ? L->error : "no message");
}

/*
 * Raise condition c as an error: offer it to the handlers, and when none
 * takes it, exit to the innermost evaluation entry point with it.
 * Handlers that signal errors of their own nest; past a few levels (a
 * broken handler) they are skipped.
 */
_Noreturn void lo_raise(lo_lisp *L, lo_value c)
{
    toplevel(L);
    if (lo_typep(c, LO_T_CONDITION) && L->signal_depth < 8) {
        lo_value handlers = lo_symbol_value(L, lo_intern(L, "*%HANDLERS*"));
        lo_value cell = lo_function_cell(L, lo_intern(L, "%SIGNAL"), false);
        if (lo_consp(handlers) && !lo_null(L, cell) &&
            lo_cell_get(cell) != LO_UNBOUND) {
            /* rooted on the value stack, whose reserve is open now */
            L->signal_depth++;
            push_value(L, c);
            lo_value arg = c;
            lo_vm_apply(L, lo_cell_get(cell), &arg, 1);
            c = L->stack[--L->sp];
            L->signal_depth--;
        }
    }
    lo_unhandled(L, c);
}

/*
 * An error nobody handled: its backtrace is taken while the frames are
 * still there, a report that is a function is run (conditions.c), and
 * the exit goes to the innermost evaluation entry point, running the
 * cleanups on the way.
 */
_Noreturn void lo_unhandled(lo_lisp *L, lo_value c)
{
    uint32_t top = toplevel(L);
    lo_backtrace_capture(L, top);
    lo_condition_report(L, &c);
    L->unwind_v[0] = c;
    L->unwind_n = 1;
    lo_unwind(L, top);
}

/*
 * Raise an error of type (a symbol name) with message and initargs data
 * (made by make_data, so that nothing is allocated when allocation itself
 * failed: the exit then carries nil and L->error's text).
 */
_Noreturn void lo_raise_error(lo_lisp *L, const char *type,
                              const char *message,
                              lo_value (*make_data)(lo_lisp *, void *),
                              void *ctx)
{
    if (L->world_locked)
        lo_world_unlock(L);
    lo_snprintf(L->error, sizeof L->error, "%s: %s", type, message);
    lo_value c = L->nil;
    if (!L->making_condition) {
        L->making_condition = true;
        lo_value data = make_data ? make_data(L, ctx) : L->nil;
        c = lo_make_condition(L, lo_intern(L, type),
                              lo_make_string(L, message, strlen(message)),
                              data);
        L->making_condition = false;
    }
    lo_raise(L, c);
}

/*
 * The evaluation limits' cut-off (limits.c): straight to the innermost
 * evaluation entry point, past every handler and cleanup -- those are what
 * is being cut off.  Landing there restores the machine state from its
 * entry as for any exit, so nothing is left half done but the Lisp code
 * that was running.  An entry point nested inside the evaluation (C code
 * a primitive runs) returns its failure to that C code; the evaluation
 * around it is cut off again at its next check, until the outermost
 * entry point is reached.
 */
_Noreturn void lo_abort(lo_lisp *L, lo_value c)
{
    if (L->world_locked)
        lo_world_unlock(L);
    uint32_t top = toplevel(L);
    L->ncatches = top + 1;
    L->unwind_v[0] = c;
    L->unwind_n = 1;
    lo_unwind(L, top);
}

_Noreturn void lo_error(lo_lisp *L, const char *type, const char *fmt, ...)
{
    char message[LO_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    lo_raise_error(L, type, message, NULL, NULL);
}

struct type_error { lo_value datum, form; const char *expected; };

static lo_value type_error_data(lo_lisp *L, void *ctx)
{
    struct type_error *t = ctx;
    lo_value type = t->form ? t->form : lo_intern(L, t->expected);
    return lo_cons(L, lo_intern_keyword(L, "DATUM"),
           lo_cons(L, t->datum,
           lo_cons(L, lo_intern_keyword(L, "EXPECTED-TYPE"),
           lo_cons(L, type, L->nil))));
}

static _Noreturn void type_error(lo_lisp *L, lo_value datum,
                                 const char *expected, lo_value form,
                                 const char *message)
{
    struct type_error t = { datum, form, expected };
    lo_raise_error(L, "TYPE-ERROR", message, type_error_data, &t);
}

/* A TYPE-ERROR whose condition carries the datum and the expected type
 * (TYPE-ERROR-DATUM and TYPE-ERROR-EXPECTED-TYPE read them). */
_Noreturn void lo_type_error(lo_lisp *L, lo_value datum, const char *expected,
                             const char *fmt, ...)
{
    char message[LO_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    type_error(L, datum, expected, 0, message);
}

_Noreturn void lo_type_error_as(lo_lisp *L, lo_value datum,
                                const char *expected, lo_value form,
                                const char *fmt, ...)
{
    char message[LO_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    type_error(L, datum, expected, form, message);
}
