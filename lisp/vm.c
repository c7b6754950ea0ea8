/*
 * vm.c -- running bytecode.
 *
 * One loop with explicit frames on a value stack (the precise stack the
 * collector will scan): a Lisp call never recurses on the C stack, so deep
 * recursion is bounded by LO_MAX_FRAMES and reported as an error, never a
 * crash.  Every call polls the safepoint.  Calling a value checks its call
 * access bit.
 */
#include <string.h>

#include "lisp/bytecode.h"
#include "ckpt/safepoint.h"
#include "lisp/environment.h"

static inline unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static void push(lo_lisp *L, lo_value v)
{
    if (L->sp >= lo_stack_limit(L))
        lo_error(L, "STORAGE-CONDITION", "value stack exhausted");
    L->stack[L->sp++] = v;
}

/*
 * Every call of a primitive comes here: its privilege is checked (the one
 * place: primitive.h), it becomes the primitive running for its errors'
 * messages, and it gets the n arguments on top of the stack, whose count
 * the caller has checked.
 */
static inline lo_value run_primitive(lo_lisp *L, const struct lo_primitive *p,
                                     uint32_t n)
{
    if (__builtin_expect(p->privilege != LO_PRIV_ANY, 0))
        lo_check_privilege(L, p);
    L->primitive = p;
    L->nvalues = 1;
    return p->fn(L, &L->stack[L->sp - n], n);
}

/* The row of a primitive about to be called.  A primitive object whose
 * name this binary lacks has index -1 (primitives.c): calling it signals
 * UNDEFINED-FUNCTION naming it. */
static const struct lo_primitive *primitive_row(lo_lisp *L, lo_value prim)
{
    int64_t index = lo_fixnum_value(lo_ptr(prim)[PRIM_INDEX]);
    if (__builtin_expect(index < 0, 0))
        lo_removed_primitive_error(L, prim);
    return lo_primitives[index];
}

static bool arity_ok(const struct lo_primitive *p, uint32_t n)
{
    return (int)n >= p->min_args && (p->max_args < 0 || (int)n <= p->max_args);
}

static lo_value call_primitive(lo_lisp *L, lo_value prim, uint32_t n)
{
    const struct lo_primitive *p = primitive_row(L, prim);
    if (!arity_ok(p, n))
        lo_error(L, "PROGRAM-ERROR", "%s: wrong number of arguments (%u)",
                 p->name, n);
    return run_primitive(L, p, n);
}

/*
 * FUNCALL and APPLY do not call back into the VM from C (which would
 * nest a VM loop per call): they rearrange the stack into a call of their
 * first argument, whose slot is then dropped on return with the rest.
 * Returns the function to call; *n and *drop are updated.
 */
static lo_value spread_funcall(lo_lisp *L, lo_value prim, uint32_t *n,
                               uint32_t *drop)
{
    int64_t index = lo_fixnum_value(lo_ptr(prim)[PRIM_INDEX]);
    LO_ASSERT(index >= 0);              /* FUNCALL or APPLY: never removed */
    if (*n < 1 + (index == lo_apply_index))
        lo_error(L, "PROGRAM-ERROR", "%s: wrong number of arguments (%u)",
                 lo_primitives[index]->name, *n);
    lo_value fn = L->stack[L->sp - *n];
    (*n)--;
    (*drop)++;
    if (index == lo_apply_index) {
        lo_value list = L->stack[--L->sp];
        (*n)--;
        int64_t len = lo_list_length(L, list);
        if (len < 0)
            lo_arg_error_op(L, "APPLY", lo_improper_tail(L, list), "LIST");
        if (*n + len > 4096)
            lo_error(L, "PROGRAM-ERROR", "APPLY: more than 4096 arguments");
        for (; lo_consp(list); list = lo_cdr_raw(list))
            push(L, lo_car_raw(list));
        *n += (uint32_t)len;
    }
    return fn;
}

static bool funcall_primitive_p(lo_value prim)
{
    int64_t index = lo_fixnum_value(lo_ptr(prim)[PRIM_INDEX]);
    return index == lo_funcall_index || index == lo_apply_index;
}

/*
 * Start a call of fn with the n arguments on top of the stack; `drop` more
 * slots below them (the function itself, for OP_CALL) go on return.
 * Primitives complete at once (true returned, result pushed); bytecode
 * functions get a frame (false returned).
 */
/* The type of a value about to be called (primitive or function), after
 * checking that it is one and that the caller holds the call bit. */
static enum lo_type callable(lo_lisp *L, lo_value *fn)
{
    if (lo_symbolp(*fn)) {              /* a function designator */
        lo_value cell = lo_function_cell(L, *fn, false);
        if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
            lo_cell_error(L, *fn, true);
        *fn = lo_cell_get(cell);
    }
    if (!lo_objectp(*fn))
        lo_arg_error_op(L, "FUNCALL", *fn, "(OR FUNCTION SYMBOL)");
    if (!(lo_access_bits(*fn) & LO_ACCESS_CALL))
        lo_access_denied(L, *fn, LO_ACCESS_CALL, "FUNCALL");
    enum lo_type type = lo_type_of_object(*fn);
    if (type == LO_T_INSTANCE && lo_instance_callee(*fn)) {
        *fn = lo_instance_callee(*fn);      /* a generic function */
        type = lo_type_of_object(*fn);
    }
    if (type != LO_T_PRIMITIVE && type != LO_T_FUNCTION)
        lo_arg_error_op(L, "FUNCALL", *fn, "(OR FUNCTION SYMBOL)");
    return type;
}

/*
 * The code object of fn, after checking it accepts the n arguments on top
 * of the stack; for a function with &optional or &rest, the arguments past
 * the required ones are gathered into one list (its prologue takes it
 * apart), so *n becomes required + 1.
 */
static lo_value code_for(lo_lisp *L, lo_value fn, uint32_t *n)
{
    lo_value code = lo_ptr(fn)[FN_CODE];
    uint64_t *cp = lo_ptr(code);
    int64_t arity = lo_fixnum_value(cp[CODE_ARITY]);
    int64_t required = arity & (CODE_REST_FLAG - 1);
    bool rest = arity & CODE_REST_FLAG;
    if (rest ? (int64_t)*n < required : (int64_t)*n != required) {
        char name[64] = "an anonymous function";
        if (lo_symbolp(cp[CODE_NAME]))
            lo_string_utf8(lo_symbol_name(cp[CODE_NAME]), name, sizeof name);
        lo_error(L, "PROGRAM-ERROR", "%s: wrong number of arguments: %u, "
                 "wants %s%lld", name, *n, rest ? "at least " : "",
                 (long long)required);
    }
    if (rest) {
        lo_value list = L->nil;
        for (uint32_t i = *n; i > (uint32_t)required; i--)
            list = lo_cons(L, L->stack[L->sp - *n + i - 1], list);
        L->sp -= *n - (uint32_t)required;
        L->stack[L->sp++] = list;
        *n = (uint32_t)required + 1;
    }
    return code;
}

/* Fill the slots of a new frame past its arguments with nil. */
static void open_locals(lo_lisp *L, lo_value code, uint32_t n)
{
    for (int64_t i = n; i < lo_fixnum_value(lo_ptr(code)[CODE_FRAME]); i++)
        push(L, L->nil);
}

static bool start_call(lo_lisp *L, lo_value fn, uint32_t n, uint32_t drop)
{
    while (callable(L, &fn) == LO_T_PRIMITIVE) {
        if (funcall_primitive_p(fn)) {
            fn = spread_funcall(L, fn, &n, &drop);
            continue;
        }
        lo_value v = call_primitive(L, fn, n);
        L->sp -= n + drop;
        push(L, v);
        return true;
    }
    lo_value code = code_for(L, fn, &n);
    if (L->nframes >= lo_frame_limit(L))
        lo_error(L, "STORAGE-CONDITION", "control stack exhausted (more than "
                 "%u nested calls)", lo_frame_limit(L));
    uint32_t base = L->sp - n;
    open_locals(L, code, n);
    L->frames[L->nframes++] =
        (struct lo_frame){ code, lo_ptr(fn)[FN_ENV], 0, base, drop,
                           lo_code_start(lo_ptr(code)) };
    return false;
}

/*
 * The common case of a call, without the general checks' function calls:
 * a bytecode function that may be called, given exactly its required
 * arguments, with room for its frame.  False sends the call the general
 * way (which also reports whatever is wrong).
 */
/* A pointer to a header object that grants the call bit: one test on the
 * word (the tag and the bit under one mask). */
#define CALLABLE_MASK ((lo_value)LO_ACCESS_CALL << LO_ACCESS_SHIFT | 7)
#define CALLABLE_WORD ((lo_value)LO_ACCESS_CALL << LO_ACCESS_SHIFT | LO_TAG_OBJECT)
static inline bool may_call(lo_value fn)
{
    return (fn & CALLABLE_MASK) == CALLABLE_WORD;
}

static inline uint64_t *quick_code(lo_lisp *L, lo_value fn, uint32_t n)
{
    if (!may_call(fn))
        return NULL;
    uint64_t *p = lo_ptr(fn);
    if ((p[0] & 0xff) != LO_T_FUNCTION)
        return NULL;
    uint64_t *code = lo_ptr(p[FN_CODE]);
    if (code[CODE_ARITY] != lo_fixnum(n) ||
        L->sp + (uint64_t)lo_fixnum_value(code[CODE_FRAME]) >= lo_stack_limit(L))
        return NULL;
    return code;
}

static inline bool quick_call(lo_lisp *L, lo_value fn, uint32_t n,
                              uint32_t drop)
{
    uint64_t *code = quick_code(L, fn, n);
    if (!code || L->nframes >= lo_frame_limit(L))
        return false;
    uint32_t base = L->sp - n;
    for (int64_t i = n; i < lo_fixnum_value(code[CODE_FRAME]); i++)
        L->stack[L->sp++] = L->nil;
    L->frames[L->nframes++] = (struct lo_frame){
        lo_ptr(fn)[FN_CODE], lo_ptr(fn)[FN_ENV], 0, base, drop,
        lo_code_start(code) };
    return true;
}

/* The same for a primitive (not FUNCALL or APPLY, which rearrange the
 * stack) given a number of arguments it takes: its result replaces the
 * arguments and `drop` slots below them. */
static inline bool quick_primitive(lo_lisp *L, lo_value fn, uint32_t n,
                                   uint32_t drop)
{
    if (!may_call(fn))
        return false;
    uint64_t *p = lo_ptr(fn);
    if ((p[0] & 0xff) != LO_T_PRIMITIVE)
        return false;
    int64_t index = lo_fixnum_value(p[PRIM_INDEX]);
    if (__builtin_expect(index < 0, 0))     /* removed: the general way */
        return false;
    const struct lo_primitive *prim = lo_primitives[index];
    if (!arity_ok(prim, n) || index == lo_funcall_index ||
        index == lo_apply_index)
        return false;
    lo_value v = run_primitive(L, prim, n);
    L->sp -= n + drop;
    L->stack[L->sp++] = v;
    return true;
}

static inline bool quick_tail_call(lo_lisp *L, struct lo_frame *f,
                                   lo_value fn, uint32_t n)
{
    uint64_t *code = quick_code(L, fn, n);
    if (!code)
        return false;
    for (uint32_t i = 0; i < n; i++)
        L->stack[f->base + i] = L->stack[L->sp - n + i];
    L->sp = f->base + n;
    for (int64_t i = n; i < lo_fixnum_value(code[CODE_FRAME]); i++)
        L->stack[L->sp++] = L->nil;
    f->code = lo_ptr(fn)[FN_CODE];
    f->env = lo_ptr(fn)[FN_ENV];
    f->pc = 0;
    f->start = lo_code_start(code);
    return true;
}

/*
 * A call in tail position: the callee takes over the caller's frame (its
 * arguments move down to the frame's base), so a loop written as recursion
 * runs in constant space.  False for a primitive, whose result is then on
 * top of the stack for the caller to return.
 */
static bool tail_call(lo_lisp *L, struct lo_frame *f, lo_value fn, uint32_t n,
                      uint32_t below)
{
    while (callable(L, &fn) == LO_T_PRIMITIVE) {
        if (funcall_primitive_p(fn)) {
            fn = spread_funcall(L, fn, &n, &below);
            continue;
        }
        lo_value v = call_primitive(L, fn, n);
        L->sp -= n + below;
        push(L, v);
        return false;
    }
    lo_value code = code_for(L, fn, &n);
    for (uint32_t i = 0; i < n; i++)
        L->stack[f->base + i] = L->stack[L->sp - n + i];
    L->sp = f->base + n;
    open_locals(L, code, n);
    f->code = code;
    f->env = lo_ptr(fn)[FN_ENV];
    f->pc = 0;
    f->start = lo_code_start(lo_ptr(code));
    return true;
}

/* A global cell read while unbound: the variable or function it names is
 * missing. */
static _Noreturn void unbound_cell(lo_lisp *L, lo_value cell, bool function)
{
    lo_cell_error(L, lo_ptr(cell)[CELL_NAME], function);
}

/*
 * The loop keeps C pointers derived from heap objects (the code's bytes,
 * its constants, the closure vector).  A collection may move those
 * objects, so after anything that can collect -- a poll, or a primitive
 * that calls back into Lisp -- the loop saves its pc and reloads them
 * from the frame, which the collector has updated.
 */
#define SAVE_PC() (f->pc = (uint32_t)(ip - bytes))
/* Poll with the pc at `at`: after a collection, execution resumes there. */
#define POLL_AT(at)                                                     \
    do {                                                                \
        f->pc = (uint32_t)((at) - bytes);                               \
        if (lo_poll(L))                                                 \
            goto new_frame;                                             \
    } while (0)
#define RELOAD_IF_COLLECTED()                                           \
    do {                                                                \
        if (atomic_load_explicit(&L->W->gc_epoch, memory_order_relaxed) \
            != epoch) {                                                 \
            SAVE_PC();                                                  \
            goto new_frame;                                             \
        }                                                               \
    } while (0)

/* ---- multiple values ---- */

lo_value lo_values(lo_lisp *L, uint32_t n, const lo_value *v)
{
    if (n > LO_MV_LIMIT)
        lo_error(L, "PROGRAM-ERROR", "VALUES: more than %d values",
                 LO_MV_LIMIT);
    for (uint32_t i = 1; i < n; i++)
        L->mv[i] = v[i];
    L->nvalues = n;
    return n ? v[0] : L->nil;
}

/* ---- primitives done in line ---- */

static const struct {
    const char *name;
    unsigned nargs, op;
} inline_ops[] = {
    { "+", 2, OP_ADD2 }, { "-", 2, OP_SUB2 }, { "<", 2, OP_LT2 },
    { ">", 2, OP_GT2 }, { "<=", 2, OP_LE2 }, { ">=", 2, OP_GE2 },
    { "=", 2, OP_NUM_EQ2 }, { "1+", 1, OP_ADD1 }, { "1-", 1, OP_SUB1 },
    { "EQ", 2, OP_EQ2 }, { "CAR", 1, OP_CAR1 }, { "CDR", 1, OP_CDR1 },
    { "CONS", 2, OP_CONS2 }, { "NULL", 1, OP_NULL1 }, { "NOT", 1, OP_NULL1 },
};
enum { INLINE_OPS = sizeof inline_ops / sizeof inline_ops[0] };

unsigned lo_inline_op(const char *name, unsigned nargs)
{
    for (unsigned i = 0; i < INLINE_OPS; i++)
        if (inline_ops[i].nargs == nargs && !strcmp(inline_ops[i].name, name))
            return inline_ops[i].op;
    return 0;
}

/* The primitive-table indices each in-line op stands for (NULL and NOT
 * share one op), found by name at start-up. */
static int64_t inline_index[256][2];

void lo_vm_init(void)
{
    for (unsigned op = 0; op < 256; op++)
        inline_index[op][0] = inline_index[op][1] = -1;
    for (unsigned i = 0; i < INLINE_OPS; i++)
        for (unsigned p = 0; p < lo_primitive_count; p++)
            if (lo_primitives[p]->package == LO_PKG_CL &&
                !strcmp(lo_primitives[p]->name, inline_ops[i].name)) {
                int64_t *slot = inline_index[inline_ops[i].op];
                slot[slot[0] >= 0] = p;
            }
}

/* Whether cell still holds, callable, the primitive op stands for. */
static inline bool holds_inline_primitive(lo_value cell, unsigned op)
{
    lo_value fn = lo_cell_get(cell);
    if (!may_call(fn) || (lo_ptr(fn)[0] & 0xff) != LO_T_PRIMITIVE)
        return false;
    int64_t index = lo_fixnum_value(lo_ptr(fn)[PRIM_INDEX]);
    /* -1 (removed, or an op with one primitive) never matches: the cell */
    return index >= 0 &&
           (index == inline_index[op][0] || index == inline_index[op][1]);
}

/* A frame slot holding a stack height (OP_SAVE_SP). */
#define SAVED_SP(i) (f->base + (uint32_t)lo_fixnum_value(L->stack[f->base + (i)]))

/* DEFCONSTANT of a constant that has another value: an error, except
 * while the boot code runs again into an existing heap (upgrade.c),
 * where the new release's value replaces the old (code compiled before
 * may have folded the old one in) and an EQUAL one keeps the old object. */
static lo_value constant_redefined(lo_lisp *L, lo_value old, lo_value v)
{
    if (!L->W->upgrading)
        lo_error(L, "PROGRAM-ERROR", "DEFCONSTANT: the constant already has "
                 "another value");
    return lo_equal(L, old, v) ? old : v;
}

/*
 * Run until the frame that was current at entry_frames returns.  A
 * non-local exit to an entry of this loop's level lands here (control.c):
 * the state is restored and execution goes on at the entry's address.
 */
static lo_value run_loop(lo_lisp *L, uint32_t entry_frames);

/* The jump buffer lives here, not in the loop: a function that sets one
 * keeps its variables in memory, and the loop's belong in registers. */
static lo_value run(lo_lisp *L, uint32_t entry_frames_arg)
{
    volatile uint32_t entry_frames = entry_frames_arg;
    uint32_t level = lo_level_enter(L);
    if (LO_SETJMP(L->levels[level])) {
        struct lo_catch *e = lo_land(L);
        L->frames[L->nframes - 1].pc = e->pc;
        lo_land_values(L, e);
    }
    return run_loop(L, entry_frames);
}

__attribute__((noinline))
static lo_value run_loop(lo_lisp *L, uint32_t entry_frames)
{
    /* Threaded dispatch: each instruction jumps straight to the next
     * one's code (GCC's labels as values), an indirect jump per
     * instruction site instead of one shared by all (measured: a few per
     * cent on fib over the switch it replaced). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wpedantic"
    static const void *const dispatch[256] = {
        [0 ... 255] = &&L_bad_op,
        [OP_ADD1] = &&L_OP_ADD1,
        [OP_ADD2] = &&L_OP_ADD2,
        [OP_BIND] = &&L_OP_BIND,
        [OP_BOX] = &&L_OP_BOX,
        [OP_CALL] = &&L_OP_CALL,
        [OP_CALL_GLOBAL] = &&L_OP_CALL_GLOBAL,
        [OP_CAR] = &&L_OP_CAR,
        [OP_CAR1] = &&L_OP_CAR1,
        [OP_CATCH] = &&L_OP_CATCH,
        [OP_CDR] = &&L_OP_CDR,
        [OP_CDR1] = &&L_OP_CDR1,
        [OP_CHECK_CONS] = &&L_OP_CHECK_CONS,
        [OP_CHECK_EMPTY] = &&L_OP_CHECK_EMPTY,
        [OP_CLOSED] = &&L_OP_CLOSED,
        [OP_CLOSURE] = &&L_OP_CLOSURE,
        [OP_CONS2] = &&L_OP_CONS2,
        [OP_CONST] = &&L_OP_CONST,
        [OP_DEFINE] = &&L_OP_DEFINE,
        [OP_EQ2] = &&L_OP_EQ2,
        [OP_EXIT_ID] = &&L_OP_EXIT_ID,
        [OP_FUNCTION] = &&L_OP_FUNCTION,
        [OP_GE2] = &&L_OP_GE2,
        [OP_GLOBAL] = &&L_OP_GLOBAL,
        [OP_GT2] = &&L_OP_GT2,
        [OP_JUMP] = &&L_OP_JUMP,
        [OP_JUMP_IF_NIL] = &&L_OP_JUMP_IF_NIL,
        [OP_JUMP_TABLE] = &&L_OP_JUMP_TABLE,
        [OP_LE2] = &&L_OP_LE2,
        [OP_LOCAL] = &&L_OP_LOCAL,
        [OP_LT2] = &&L_OP_LT2,
        [OP_MV1] = &&L_OP_MV1,
        [OP_MV_CALL] = &&L_OP_MV_CALL,
        [OP_MV_PUSH] = &&L_OP_MV_PUSH,
        [OP_MV_RESTORE] = &&L_OP_MV_RESTORE,
        [OP_MV_SAVE] = &&L_OP_MV_SAVE,
        [OP_MV_STORE] = &&L_OP_MV_STORE,
        [OP_NULL1] = &&L_OP_NULL1,
        [OP_NUM_EQ2] = &&L_OP_NUM_EQ2,
        [OP_PATCH_CLOSURE] = &&L_OP_PATCH_CLOSURE,
        [OP_CONSTANT_INIT] = &&L_OP_CONSTANT_INIT,
        [OP_RETURN1] = &&L_OP_RETURN1,
        [OP_STORE_LOCAL] = &&L_OP_STORE_LOCAL,
        [OP_POP] = &&L_OP_POP,
        [OP_RESTORE_SP] = &&L_OP_RESTORE_SP,
        [OP_RETURN] = &&L_OP_RETURN,
        [OP_SAVE_SP] = &&L_OP_SAVE_SP,
        [OP_SET_BOX_CLOSED] = &&L_OP_SET_BOX_CLOSED,
        [OP_SET_BOX_LOCAL] = &&L_OP_SET_BOX_LOCAL,
        [OP_SET_GLOBAL] = &&L_OP_SET_GLOBAL,
        [OP_SET_SYSTEM_GLOBAL] = &&L_OP_SET_SYSTEM_GLOBAL,
        [OP_SET_LOCAL] = &&L_OP_SET_LOCAL,
        [OP_SET_SP] = &&L_OP_SET_SP,
        [OP_SUB1] = &&L_OP_SUB1,
        [OP_SUB2] = &&L_OP_SUB2,
        [OP_TAGBODY] = &&L_OP_TAGBODY,
        [OP_TAIL_CALL] = &&L_OP_TAIL_CALL,
        [OP_TAIL_CALL_GLOBAL] = &&L_OP_TAIL_CALL_GLOBAL,
        [OP_THROW] = &&L_OP_THROW,
        [OP_UNBIND] = &&L_OP_UNBIND,
        [OP_UNBOX] = &&L_OP_UNBOX,
        [OP_UNCATCH] = &&L_OP_UNCATCH,
        [OP_UWP] = &&L_OP_UWP,
        [OP_UWP_END] = &&L_OP_UWP_END,
        [OP_UWP_NORMAL] = &&L_OP_UWP_NORMAL,
    };
#pragma GCC diagnostic pop
#define DISPATCH() goto *dispatch[*ip++]
    for (;;) {
        struct lo_frame *f = &L->frames[L->nframes - 1];
        uint64_t epoch = atomic_load_explicit(&L->W->gc_epoch,
                                              memory_order_relaxed);
        uint64_t *code = lo_ptr(f->code);
        const unsigned char *bytes = (const unsigned char *)code + f->start;
        const lo_value *k = lo_ptr(code[CODE_CONSTANTS]) + 2;
        lo_value *closed = lo_objectp(f->env) ? lo_ptr(f->env) + 2 : NULL;
        const unsigned char *ip = bytes + f->pc;
        lo_value cell;              /* a call's cell, for call_cell */
        unsigned nargs;
        DISPATCH();
        {
            {
            L_OP_CONST:
                push(L, k[u16(ip)]);
                ip += 2;
                DISPATCH();
            L_OP_LOCAL:
                push(L, L->stack[f->base + u16(ip)]);
                ip += 2;
                DISPATCH();
            L_OP_SET_LOCAL:
                L->stack[f->base + u16(ip)] = L->stack[L->sp - 1];
                ip += 2;
                DISPATCH();
            L_OP_GLOBAL: {
                lo_value cell = k[u16(ip)];
                lo_value v = lo_cell_value(L, cell);
                if (v == LO_UNBOUND)
                    unbound_cell(L, cell, false);
                push(L, v);
                ip += 2;
                DISPATCH();
            }
            L_OP_SET_GLOBAL:
                lo_cell_assign(L, k[u16(ip)], L->stack[L->sp - 1]);
                ip += 2;
                DISPATCH();
            L_OP_SET_SYSTEM_GLOBAL:
                lo_set_system_global(L, k[u16(ip)], L->stack[L->sp - 1]);
                ip += 2;
                DISPATCH();
            L_OP_FUNCTION: {
                lo_value cell = k[u16(ip)];
                lo_value fn = lo_cell_get(cell);
                if (fn == LO_UNBOUND)
                    unbound_cell(L, cell, true);
                ip += 2;
                push(L, fn);
                DISPATCH();
            }
            L_OP_CALL_GLOBAL: {
                POLL_AT(ip - 1);
                cell = k[u16(ip)];
                nargs = ip[2];
                ip += 3;
            call_cell:;
                lo_value fn = lo_cell_get(cell);
                SAVE_PC();
                if (quick_call(L, fn, nargs, 0))
                    goto new_frame;
                if (quick_primitive(L, fn, nargs, 0)) {
                    RELOAD_IF_COLLECTED();
                    DISPATCH();
                }
                if (fn == LO_UNBOUND)
                    unbound_cell(L, cell, true);
                if (!start_call(L, fn, nargs, 0))
                    goto new_frame;
                RELOAD_IF_COLLECTED();
                DISPATCH();
            }
            /* In-line primitives: the fast case, else a call of the cell. */
#define INLINE_BEGIN(n)                                                 \
                cell = k[u16(ip)];                                      \
                ip += 2;                                                \
                nargs = (n);                                            \
                if (!holds_inline_primitive(cell, ip[-3]))         \
                    goto call_cell;
#define FIXNUM_OP(test)                                                 \
            {                                                           \
                lo_value a = L->stack[L->sp - 2], b = L->stack[L->sp - 1]; \
                INLINE_BEGIN(2);                                        \
                if (!lo_fixnump(a | b))                                 \
                    goto call_cell;                                     \
                L->stack[L->sp - 2] = (int64_t)a test (int64_t)b ? L->t : L->nil; \
                L->sp--;                                                \
                DISPATCH();                                                  \
            }
            L_OP_LT2: FIXNUM_OP(<)
            L_OP_GT2: FIXNUM_OP(>)
            L_OP_LE2: FIXNUM_OP(<=)
            L_OP_GE2: FIXNUM_OP(>=)
            L_OP_NUM_EQ2: FIXNUM_OP(==)
            L_OP_ADD2:
            L_OP_SUB2: {
                unsigned op = ip[-1];
                lo_value a = L->stack[L->sp - 2], b = L->stack[L->sp - 1];
                INLINE_BEGIN(2);
                int64_t r;
                if (!lo_fixnump(a | b) ||
                    (op == OP_ADD2
                     ? __builtin_add_overflow((int64_t)a, (int64_t)b, &r)
                     : __builtin_sub_overflow((int64_t)a, (int64_t)b, &r)))
                    goto call_cell;
                L->stack[L->sp - 2] = (lo_value)r;
                L->sp--;
                DISPATCH();
            }
            L_OP_ADD1:
            L_OP_SUB1: {
                unsigned op = ip[-1];
                lo_value a = L->stack[L->sp - 1];
                INLINE_BEGIN(1);
                int64_t r;
                if (!lo_fixnump(a) ||
                    (op == OP_ADD1
                     ? __builtin_add_overflow((int64_t)a, (int64_t)lo_fixnum(1), &r)
                     : __builtin_sub_overflow((int64_t)a, (int64_t)lo_fixnum(1), &r)))
                    goto call_cell;
                L->stack[L->sp - 1] = (lo_value)r;
                DISPATCH();
            }
            L_OP_EQ2: {
                INLINE_BEGIN(2);
                L->stack[L->sp - 2] = lo_eq(L->stack[L->sp - 2],
                                            L->stack[L->sp - 1]) ? L->t : L->nil;
                L->sp--;
                DISPATCH();
            }
            L_OP_CAR1:
            L_OP_CDR1: {
                unsigned op = ip[-1];
                lo_value a = L->stack[L->sp - 1];
                INLINE_BEGIN(1);
                if (lo_consp(a))
                    L->stack[L->sp - 1] = op == OP_CAR1 ? lo_car_raw(a)
                                                        : lo_cdr_raw(a);
                else if (!lo_null(L, a))
                    goto call_cell;
                DISPATCH();
            }
            L_OP_CONS2: {
                INLINE_BEGIN(2);
                L->stack[L->sp - 2] = lo_cons(L, L->stack[L->sp - 2],
                                              L->stack[L->sp - 1]);
                L->sp--;
                DISPATCH();
            }
            L_OP_NULL1: {
                INLINE_BEGIN(1);
                L->stack[L->sp - 1] = lo_null(L, L->stack[L->sp - 1])
                                      ? L->t : L->nil;
                DISPATCH();
            }
#undef FIXNUM_OP
#undef INLINE_BEGIN
            L_OP_CALL: {
                POLL_AT(ip - 1);
                unsigned n = *ip++;
                SAVE_PC();
                lo_value fn = L->stack[L->sp - n - 1];
                if (quick_call(L, fn, n, 1) || !start_call(L, fn, n, 1))
                    goto new_frame;
                RELOAD_IF_COLLECTED();
                DISPATCH();
            }
            L_OP_TAIL_CALL_GLOBAL:
            L_OP_TAIL_CALL: {
                lo_value fn;
                unsigned n, below;
                POLL_AT(ip - 1);
                if (ip[-1] == OP_TAIL_CALL_GLOBAL) {
                    lo_value cell = k[u16(ip)];
                    fn = lo_cell_get(cell);
                    if (fn == LO_UNBOUND)
                        unbound_cell(L, cell, true);
                    n = ip[2];
                    below = 0;
                } else {
                    n = ip[0];
                    fn = L->stack[L->sp - n - 1];
                    below = 1;
                }
                if ((below == 0 && quick_tail_call(L, f, fn, n)) ||
                    tail_call(L, f, fn, n, below))
                    goto new_frame;
                goto do_return;         /* a primitive's result is on top */
            }
            L_OP_CLOSED:
                push(L, closed[u16(ip)]);
                ip += 2;
                DISPATCH();
            L_OP_BOX: {
                uint64_t *box = lo_alloc_object(L, LO_T_CELL, CELL_WORDS);
                box[CELL_VALUE] = L->stack[f->base + u16(ip)];
                box[CELL_NAME] = L->nil;
                box[CELL_FLAGS] = lo_fixnum(0);
                L->stack[f->base + u16(ip)] = lo_make_object(box);
                ip += 2;
                DISPATCH();
            }
            L_OP_UNBOX:
                L->stack[L->sp - 1] = lo_ptr(L->stack[L->sp - 1])[CELL_VALUE];
                DISPATCH();
            L_OP_SET_BOX_LOCAL:
                lo_ptr(L->stack[f->base + u16(ip)])[CELL_VALUE] =
                    L->stack[L->sp - 1];
                ip += 2;
                DISPATCH();
            L_OP_SET_BOX_CLOSED:
                lo_ptr(closed[u16(ip)])[CELL_VALUE] = L->stack[L->sp - 1];
                ip += 2;
                DISPATCH();
            L_OP_CLOSURE: {
                lo_value code_k = k[u16(ip)];
                unsigned m = ip[2];
                ip += 3;
                lo_value env = lo_make_vector(L, m, L->nil);
                for (unsigned i = 0; i < m; i++)
                    lo_ptr(env)[2 + i] = L->stack[L->sp - m + i];
                L->sp -= m;
                uint64_t *fn = lo_alloc_object(L, LO_T_FUNCTION, FN_WORDS);
                fn[FN_CODE] = code_k;
                fn[FN_ENV] = env;
                push(L, lo_make_object(fn));
                DISPATCH();
            }
            L_OP_CAR:
                L->stack[L->sp - 1] = lo_car(L, L->stack[L->sp - 1]);
                DISPATCH();
            L_OP_CDR:
                L->stack[L->sp - 1] = lo_cdr(L, L->stack[L->sp - 1]);
                DISPATCH();
            L_OP_CHECK_CONS:
                if (!lo_consp(L->stack[f->base + u16(ip)]))
                    lo_error(L, "PROGRAM-ERROR", "too few arguments or "
                             "elements for the lambda list");
                ip += 2;
                DISPATCH();
            L_OP_CHECK_EMPTY:
                if (!lo_null(L, L->stack[f->base + u16(ip)]))
                    lo_error(L, "PROGRAM-ERROR", "too many arguments or "
                             "elements for the lambda list");
                ip += 2;
                DISPATCH();
            L_OP_BIND:
                lo_bind_special(L, k[u16(ip)], L->stack[--L->sp]);
                ip += 2;
                DISPATCH();
            L_OP_UNBIND:
                lo_unbind_to(L, L->nbindings - u16(ip));
                ip += 2;
                DISPATCH();
            L_OP_JUMP: {
                const unsigned char *to = bytes + u16(ip);
                if (to < ip)            /* a loop: poll */
                    POLL_AT(to);
                ip = to;
                DISPATCH();
            }
            L_OP_JUMP_IF_NIL:
                if (lo_null(L, L->stack[--L->sp]))
                    ip = bytes + u16(ip);
                else
                    ip += 2;
                DISPATCH();
            L_OP_POP:
                L->sp--;
                DISPATCH();
            L_OP_DEFINE:
                lo_cell_set(k[u16(ip)], L->stack[L->sp - 1]);
                lo_note_definition(L, k[u16(ip)]);
                ip += 2;
                DISPATCH();
            L_OP_RETURN1:
                L->nvalues = 1;
                goto do_return;
            L_OP_STORE_LOCAL:
                L->stack[f->base + u16(ip)] = L->stack[--L->sp];
                ip += 2;
                DISPATCH();
            L_OP_RETURN:
            do_return: {
                lo_value v = L->stack[L->sp - 1];
                L->sp = f->base - f->drop;
                L->nframes--;
                if (L->nframes == entry_frames) {
                    lo_level_leave(L);
                    return v;
                }
                push(L, v);
                goto new_frame;
            }
            L_OP_MV1:
                L->nvalues = 1;
                DISPATCH();
            L_OP_MV_PUSH:            /* no values: no primary either */
                if (L->nvalues == 0)
                    L->sp--;
                for (uint32_t i = 1; i < L->nvalues; i++)
                    push(L, L->mv[i]);
                DISPATCH();
            L_OP_MV_CALL: {
                POLL_AT(ip - 1);
                uint32_t from = SAVED_SP(u16(ip));
                ip += 2;
                SAVE_PC();
                if (!start_call(L, L->stack[from - 1], L->sp - from, 1))
                    goto new_frame;
                RELOAD_IF_COLLECTED();
                DISPATCH();
            }
            L_OP_MV_SAVE:
                lo_save_values(L);
                DISPATCH();
            L_OP_MV_RESTORE:
                lo_restore_values(L);
                DISPATCH();
            L_OP_MV_STORE: {
                unsigned slot = u16(ip), count = ip[2];
                ip += 3;
                lo_value primary = L->stack[--L->sp];
                for (unsigned i = 0; i < count; i++)
                    L->stack[f->base + slot + i] =
                        i == 0 ? primary : i < L->nvalues ? L->mv[i] : L->nil;
                DISPATCH();
            }
            L_OP_SAVE_SP:
                L->stack[f->base + u16(ip)] = lo_fixnum(L->sp - f->base);
                ip += 2;
                DISPATCH();
            L_OP_RESTORE_SP: {
                lo_value v = L->stack[L->sp - 1];
                L->sp = SAVED_SP(u16(ip));
                push(L, v);
                ip += 2;
                DISPATCH();
            }
            L_OP_SET_SP:
                L->sp = SAVED_SP(u16(ip));
                ip += 2;
                DISPATCH();
            L_OP_EXIT_ID:
                L->stack[f->base + u16(ip)] = lo_exit_id(++L->exit_serial);
                ip += 2;
                DISPATCH();
            L_OP_CATCH:
            L_OP_TAGBODY: {
                lo_value tag = L->stack[--L->sp];
                lo_catch_push(L, ip[-1] == OP_CATCH ? LO_CATCH_CATCH
                                                    : LO_CATCH_TAGBODY,
                              tag, u16(ip));
                ip += 2;
                DISPATCH();
            }
            L_OP_UNCATCH:
                L->ncatches -= *ip++;
                DISPATCH();
            L_OP_THROW:
                SAVE_PC();
                lo_throw(L);
            L_OP_UWP:
                lo_catch_push(L, LO_CATCH_CLEANUP, L->nil, u16(ip));
                ip += 2;
                DISPATCH();
            L_OP_UWP_NORMAL:
                L->ncatches--;
                lo_save_values(L);
                push(L, lo_fixnum(-1));
                DISPATCH();
            L_OP_UWP_END:
                SAVE_PC();
                lo_uwp_end(L);
                DISPATCH();
            L_OP_JUMP_TABLE: {
                unsigned count = *ip++;
                int64_t i = lo_fixnum_value(L->stack[--L->sp]);
                if (i < 0 || i >= count)
                    lo_error(L, "PROGRAM-ERROR", "internal: bad GO index");
                ip = bytes + u16(ip + 2 * i);
                DISPATCH();
            }
            L_OP_CONSTANT_INIT: {
                lo_value cell = k[u16(ip)], v = L->stack[L->sp - 1];
                lo_value old = lo_cell_get(cell);
                if (old != LO_UNBOUND && !lo_eql(old, v))
                    v = constant_redefined(L, old, v);
                lo_cell_set(cell, v);
                lo_note_definition(L, cell);
                ip += 2;
                DISPATCH();
            }
            L_OP_PATCH_CLOSURE: {
                lo_value fn = L->stack[L->sp - 2];
                lo_ptr(lo_ptr(fn)[FN_ENV])[2 + u16(ip)] = L->stack[L->sp - 1];
                L->sp -= 2;
                ip += 2;
                DISPATCH();
            }
            L_bad_op:
                lo_error(L, "PROGRAM-ERROR", "bad bytecode %u", ip[-1]);
            }
        }
    new_frame:;
    }
#undef DISPATCH
}

lo_value lo_vm_apply(lo_lisp *L, lo_value fn, const lo_value *args,
                     uint32_t nargs)
{
    lo_count_step(L);               /* a call from C is a step too */
    const struct lo_primitive *caller = L->primitive;
    uint32_t entry = L->nframes;
    for (uint32_t i = 0; i < nargs; i++)
        push(L, args[i]);
    lo_value v = start_call(L, fn, nargs, 0) ? L->stack[--L->sp]
                                             : run(L, entry);
    L->primitive = caller;
    return v;
}
