/*
 * num_expr.c -- a function that only computes a number or a comparison,
 * read from its bytecode into a little program C runs (num_expr.h).
 *
 * The object store calls a query's SATISFIES predicate once per entry.
 * Most such predicates are arithmetic and comparisons over attribute
 * values: (lambda (e) (> (* (entry-attribute e :rating) 2) 7)).  Calling
 * the VM a million times for them costs more than the rest of the scan.
 * lo_num_expr_read reads such a function's bytecode into a program of
 * postfix steps over constants (numbers, NIL, T) and "leaves" (calls of
 * its argument and a constant that the caller recognizes: ENTRY-ATTRIBUTE
 * and a key), with the forward jumps AND, OR, IF, WHEN and NOT make and
 * the locals a LET of values makes; anything else (a call of another
 * function, a closure, a loop, a key computed) means no program.
 * lo_num_expr_test runs the program on fixnums and doubles exactly as
 * the primitives +, -, *, <, >, <=, >= and = would (SBCL's rules: an
 * integer meets a double as the double of its value).  Whatever the
 * program cannot decide exactly -- a value that is not a fixnum or a
 * double, a fixnum result too large, an integer a double cannot hold
 * exactly, an overflow -- it answers LO_NUM_EXPR_UNKNOWN, and the caller
 * calls the function itself, which then does what it always did (signals,
 * goes to bignums...).  So the program is only ever a faster way to the
 * same answer.
 *
 * A program is a simple-vector of pairs: a step (enum step, a fixnum) and
 * its operand (the constant, a local's number, a jump's step, or NIL).
 * It lives as long as the query that read it: it is never stored.
 */
#include <string.h>

#include "lisp/bytecode.h"
#include "lisp/internal.h"
#include "lisp/num_expr.h"
#include "lisp/numbers.h"
#include "lisp/opcodes.h"
#include "lisp/scratch.h"
#include "lisp/sequences.h"

enum step {
    STEP_LEAF,                  /* push leaf(operand) */
    STEP_CONST,                 /* push operand, a fixnum or a double */
    STEP_TRUTH,                 /* push NIL (operand 0) or T (1) */
    STEP_ADD, STEP_SUB, STEP_MUL,
    STEP_LT, STEP_GT, STEP_LE, STEP_GE, STEP_EQ,
    STEP_NOT,                   /* NOT (NULL) of the top */
    STEP_JUMP_IF_NIL,           /* pop; when NIL, go to step operand */
    STEP_JUMP,                  /* go to step operand */
    STEP_STORE,                 /* pop into local operand */
    STEP_SET,                   /* the top into local operand, kept */
    STEP_LOAD,                  /* push local operand */
    STEP_RETURN,                /* the top is the answer */
};

/* Room for the steps of a program, the values it stacks and its locals;
 * code longer than MAX_CODE bytes is not read. */
enum { MAX_STEPS = 128, MAX_DEPTH = 16, MAX_LOCALS = 16, MAX_CODE = 2048 };

static unsigned u16_at(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* ---- reading the bytecode ---------------------------------------------------- */

/* The standard primitive fn is (callable, of COMMON-LISP), by name. */
static const char *standard_name(lo_value fn)
{
    if (!lo_typep(fn, LO_T_PRIMITIVE) ||
        !(lo_access_bits(fn) & LO_ACCESS_CALL))
        return NULL;
    const struct lo_primitive *p = lo_primitive_of(fn);
    return p && p->package == LO_PKG_CL ? p->name : NULL;
}

/* The step of a call of fn with two arguments when fn is the standard
 * primitive it stands for, else -1. */
static int arithmetic_step(lo_value fn)
{
    static const struct { const char *name; enum step step; } ops[] = {
        { "+", STEP_ADD }, { "-", STEP_SUB }, { "*", STEP_MUL },
        { "<", STEP_LT }, { ">", STEP_GT }, { "<=", STEP_LE },
        { ">=", STEP_GE }, { "=", STEP_EQ },
    };
    const char *name = standard_name(fn);
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(name, ops[i].name))
            return (int)ops[i].step;
    return -1;
}

/* The step an in-line arithmetic instruction stands for, or -1. */
static int inline_step(unsigned op)
{
    switch (op) {
    case OP_ADD2: return STEP_ADD;
    case OP_SUB2: return STEP_SUB;
    case OP_LT2: return STEP_LT;
    case OP_GT2: return STEP_GT;
    case OP_LE2: return STEP_LE;
    case OP_GE2: return STEP_GE;
    case OP_NUM_EQ2: return STEP_EQ;
    default: return -1;
    }
}

/* What the reader knows of each value the code stacks: the argument, a
 * constant that is no number (a leaf's), or a value the program
 * computes (a number, or a truth). */
enum kind { K_ARG, K_KEY, K_VALUE };

struct reader {
    lo_lisp *L;
    lo_num_expr_leaf_ok *leaf_ok;
    enum kind stack[MAX_DEPTH];
    lo_value key[MAX_DEPTH];    /* a K_KEY's constant */
    unsigned depth;
    lo_value steps[2 * MAX_STEPS];
    unsigned nsteps;
    /* jumps: forward only, to an instruction's start, where the stack
     * (values only) must be as deep as at the jump */
    int32_t step_at[MAX_CODE];  /* pc -> its first step, or -1 */
    int32_t depth_at[MAX_CODE]; /* pc -> the depth a jump there expects */
    uint32_t jump_step[MAX_STEPS], jump_pc[MAX_STEPS];
    unsigned njumps;
};

static bool emit(struct reader *r, enum step step, lo_value operand)
{
    if (r->nsteps == MAX_STEPS)
        return false;
    r->steps[2 * r->nsteps] = lo_fixnum(step);
    r->steps[2 * r->nsteps + 1] = operand;
    r->nsteps++;
    return true;
}

static bool push(struct reader *r, enum kind kind, lo_value key)
{
    if (r->depth == MAX_DEPTH)
        return false;
    r->stack[r->depth] = kind;
    r->key[r->depth++] = key;
    return true;
}

static bool pop_value(struct reader *r)
{
    return r->depth > 0 && r->stack[--r->depth] == K_VALUE;
}

/* A call of fn on the two values on top: a leaf (the argument and a
 * constant, fn accepted by leaf_ok) or arithmetic on two values. */
static bool read_call(struct reader *r, lo_value fn)
{
    if (r->depth < 2)
        return false;
    enum kind a = r->stack[r->depth - 2], b = r->stack[r->depth - 1];
    lo_value key = r->key[r->depth - 1];
    r->depth -= 2;
    if (a == K_ARG && b == K_KEY && r->leaf_ok(r->L, fn, 2))
        return emit(r, STEP_LEAF, key) && push(r, K_VALUE, 0);
    int step = arithmetic_step(fn);
    return step >= 0 && a == K_VALUE && b == K_VALUE &&
           emit(r, (enum step)step, 0) && push(r, K_VALUE, 0);
}

/* Every value on the stack computed: what may stand where code joins. */
static bool values_only(const struct reader *r)
{
    for (unsigned i = 0; i < r->depth; i++)
        if (r->stack[i] != K_VALUE)
            return false;
    return true;
}

/* A jump from here to pc `to`, emitted as step `step` (patched later). */
static bool jump_to(struct reader *r, uint32_t from, uint32_t to,
                    enum step step, uint32_t len)
{
    if (to <= from || to >= len || r->njumps == MAX_STEPS || !values_only(r))
        return false;
    if (r->depth_at[to] >= 0 && r->depth_at[to] != (int32_t)r->depth)
        return false;
    r->depth_at[to] = (int32_t)r->depth;
    r->jump_step[r->njumps] = r->nsteps;
    r->jump_pc[r->njumps++] = to;
    return emit(r, step, 0);
}

/* One instruction read; *ends when nothing falls through past it. */
static bool read_op(struct reader *r, const unsigned char *bytes, uint32_t pc,
                    uint32_t size, uint32_t len, const lo_value *k,
                    uint64_t nk, bool *ends)
{
    lo_lisp *L = r->L;
    unsigned op = bytes[pc];
    unsigned ki = size >= 3 ? u16_at(bytes + pc + 1) : 0;
    lo_value cell = ki < nk && lo_typep(k[ki], LO_T_CELL) ? k[ki] : 0;
    *ends = false;
    switch (op) {
    case OP_LOCAL:
        if (ki == 0)
            return push(r, K_ARG, 0);
        return ki < MAX_LOCALS && emit(r, STEP_LOAD, lo_fixnum(ki)) &&
               push(r, K_VALUE, 0);
    case OP_STORE_LOCAL:
    case OP_SET_LOCAL:
        if (ki == 0 || ki >= MAX_LOCALS || !pop_value(r))
            return false;
        if (op == OP_SET_LOCAL)
            r->depth++;
        return emit(r, op == OP_SET_LOCAL ? STEP_SET : STEP_STORE,
                    lo_fixnum(ki));
    case OP_CONST:
        if (ki >= nk)
            return false;
        if (lo_fixnump(k[ki]) || lo_doublep(k[ki]))
            return emit(r, STEP_CONST, k[ki]) && push(r, K_VALUE, 0);
        if (lo_null(L, k[ki]) || lo_eq(k[ki], L->t))
            return emit(r, STEP_TRUTH, lo_fixnum(!lo_null(L, k[ki]))) &&
                   push(r, K_VALUE, 0);
        return push(r, K_KEY, k[ki]);
    case OP_CALL_GLOBAL:
    case OP_TAIL_CALL_GLOBAL:
        if (!cell || bytes[pc + 3] != 2 || !read_call(r, lo_cell_get(cell)))
            return false;
        if (op == OP_CALL_GLOBAL)
            return true;
        /* a tail call: its value returned (a RETURN may follow, never
         * reached) */
        *ends = true;
        return r->depth == 1 && emit(r, STEP_RETURN, 0);
    case OP_ADD2: case OP_SUB2: case OP_LT2: case OP_GT2: case OP_LE2:
    case OP_GE2: case OP_NUM_EQ2:
        /* the instruction calls its cell unless that holds the
         * standard primitive: read as the call it then is */
        return cell && arithmetic_step(lo_cell_get(cell)) == inline_step(op) &&
               read_call(r, lo_cell_get(cell));
    case OP_NULL1: {
        const char *name = cell ? standard_name(lo_cell_get(cell)) : NULL;
        return name && (!strcmp(name, "NOT") || !strcmp(name, "NULL")) &&
               pop_value(r) && emit(r, STEP_NOT, 0) && push(r, K_VALUE, 0);
    }
    case OP_JUMP_IF_NIL:
        return pop_value(r) &&
               jump_to(r, pc, ki, STEP_JUMP_IF_NIL, len);
    case OP_JUMP:
        *ends = true;
        return jump_to(r, pc, ki, STEP_JUMP, len);
    case OP_RETURN1:
    case OP_RETURN:
        *ends = true;
        return r->depth == 1 && r->stack[0] == K_VALUE &&
               emit(r, STEP_RETURN, 0);
    default:
        return false;
    }
}

/* The program of code `bytes` (len bytes, constants k), read by r. */
static lo_value read_program(lo_lisp *L, struct reader *r,
                             const unsigned char *bytes, uint32_t len,
                             const lo_value *k, uint64_t nk,
                             lo_num_expr_leaf_ok *leaf_ok)
{
    r->L = L;
    r->leaf_ok = leaf_ok;
    r->depth = r->nsteps = r->njumps = 0;
    for (uint32_t pc = 0; pc < len; pc++)
        r->step_at[pc] = r->depth_at[pc] = -1;
    bool reachable = true;      /* falls through from the one before */
    for (uint32_t pc = 0; pc < len;) {
        const char *operands = lo_op_operands(bytes[pc]);
        uint32_t size = operands ? lo_op_size_with(operands, bytes, len, pc) : 0;
        if (!size)
            return L->nil;
        if (!reachable) {
            /* only a jump comes here (or nothing: a RETURN after a tail
             * call, skipped) */
            if (r->depth_at[pc] < 0) {
                pc += size;
                continue;
            }
            r->depth = (unsigned)r->depth_at[pc];
            for (unsigned i = 0; i < r->depth; i++)
                r->stack[i] = K_VALUE;
        } else if (r->depth_at[pc] >= 0 &&
                   (r->depth_at[pc] != (int32_t)r->depth || !values_only(r))) {
            return L->nil;      /* joins a jump with another stack */
        }
        r->step_at[pc] = (int32_t)r->nsteps;
        bool ends;
        if (!read_op(r, bytes, pc, size, len, k, nk, &ends))
            return L->nil;
        reachable = !ends;
        pc += size;
    }
    if (reachable || r->nsteps == 0)
        return L->nil;          /* runs off the end: not a plain body */
    for (unsigned j = 0; j < r->njumps; j++) {
        if (r->step_at[r->jump_pc[j]] < 0)
            return L->nil;      /* into the middle of an instruction */
        r->steps[2 * r->jump_step[j] + 1] = lo_fixnum(r->step_at[r->jump_pc[j]]);
    }
    lo_value program = lo_make_vector(L, 2 * r->nsteps, L->nil);
    memcpy(lo_vector_items(program), r->steps, 2 * r->nsteps * sizeof(lo_value));
    return program;
}

lo_value lo_num_expr_read(lo_lisp *L, lo_value fn, lo_num_expr_leaf_ok *leaf_ok)
{
    if (!lo_typep(fn, LO_T_FUNCTION))
        return L->nil;
    const uint64_t *code = lo_ptr(lo_ptr(fn)[FN_CODE]);
    if (code[CODE_ARITY] != lo_fixnum(1))       /* one required, no rest */
        return L->nil;
    const lo_value *k = lo_ptr(code[CODE_CONSTANTS]) + 2;
    uint64_t nk = (uint64_t)lo_fixnum_value(lo_ptr(code[CODE_CONSTANTS])[1]);
    const unsigned char *bytes = lo_code_bytes(code);
    uint32_t len = (uint32_t)lo_fixnum_value(code[CODE_LENGTH]);
    if (len == 0 || len > MAX_CODE)
        return L->nil;
    uint64_t mark = lo_scratch_mark(L);
    struct reader *r = lo_scratch_alloc(L, sizeof *r);
    lo_value program = read_program(L, r, bytes, len, k, nk, leaf_ok);
    lo_scratch_release(L, mark);
    return program;
}


/* ---- running a program --------------------------------------------------------- */

/* A number as the program holds it, or a truth (NIL, T, a comparison's
 * answer), or nothing yet (a local never stored). */
struct num {
    enum { N_NONE, N_FIXNUM, N_DOUBLE, N_TRUTH } kind;
    int64_t i;                  /* a fixnum's value, or the truth */
    double d;
};

/* Doubles hold every integer up to 2^53 exactly. */
#define EXACT_LIMIT ((int64_t)1 << 53)

static bool as_num(lo_value v, struct num *n)
{
    if (lo_fixnump(v)) {
        *n = (struct num){ N_FIXNUM, lo_fixnum_value(v), 0 };
        return true;
    }
    if (lo_doublep(v)) {
        *n = (struct num){ N_DOUBLE, 0, lo_double_value(v) };
        return n->d - n->d == 0;        /* not infinite or NaN: the VM's */
    }
    return false;
}

/* Whether a value is true, as any value but NIL is. */
static bool truth(const struct num *n)
{
    return n->kind != N_TRUTH || n->i;
}

/* Both as doubles, when an integer among them converts exactly. */
static bool as_doubles(const struct num *a, const struct num *b, double *x,
                       double *y)
{
    const struct num *n[2] = { a, b };
    double *out[2] = { x, y };
    for (int i = 0; i < 2; i++) {
        if (n[i]->kind == N_DOUBLE) {
            *out[i] = n[i]->d;
            continue;
        }
        if (n[i]->i > EXACT_LIMIT || n[i]->i < -EXACT_LIMIT)
            return false;
        *out[i] = (double)n[i]->i;
    }
    return true;
}

static bool arithmetic(enum step step, struct num *a, const struct num *b)
{
    if (a->kind == N_TRUTH || b->kind == N_TRUTH)
        return false;           /* the primitive would signal */
    if (a->kind == N_FIXNUM && b->kind == N_FIXNUM) {
        int64_t r;
        bool over = step == STEP_ADD   ? __builtin_add_overflow(a->i, b->i, &r)
                    : step == STEP_SUB ? __builtin_sub_overflow(a->i, b->i, &r)
                                       : __builtin_mul_overflow(a->i, b->i, &r);
        if (over || r > LO_FIXNUM_MAX || r < LO_FIXNUM_MIN)
            return false;       /* a bignum */
        a->i = r;
        return true;
    }
    double x, y;
    if (!as_doubles(a, b, &x, &y))
        return false;
    double r = step == STEP_ADD ? x + y : step == STEP_SUB ? x - y : x * y;
    if (r - r != 0)             /* infinite or NaN: the primitive signals */
        return false;
    *a = (struct num){ N_DOUBLE, 0, r };
    return true;
}

static bool comparison(enum step step, struct num *a, const struct num *b)
{
    if (a->kind == N_TRUTH || b->kind == N_TRUTH)
        return false;
    int order;
    if (a->kind == N_FIXNUM && b->kind == N_FIXNUM) {
        order = (a->i > b->i) - (a->i < b->i);
    } else {
        double x, y;
        if (!as_doubles(a, b, &x, &y))
            return false;
        order = (x > y) - (x < y);
    }
    bool yes = step == STEP_LT ? order < 0 : step == STEP_GT ? order > 0
             : step == STEP_LE ? order <= 0 : step == STEP_GE ? order >= 0
             : order == 0;
    *a = (struct num){ N_TRUTH, yes, 0 };
    return true;
}

int lo_num_expr_test(lo_value program, lo_num_expr_leaf *leaf, void *ctx)
{
    struct num stack[MAX_DEPTH], local[MAX_LOCALS];
    for (unsigned i = 0; i < MAX_LOCALS; i++)
        local[i].kind = N_NONE;
    unsigned depth = 0;
    uint64_t n = lo_vector_length(program) / 2;
    const lo_value *items = lo_vector_items(program);
    /* the reader made sure of the depths; checked again all the same,
     * as the program is a heap vector */
    for (uint64_t pc = 0; pc < n;) {
        enum step step = (enum step)lo_fixnum_value(items[2 * pc]);
        lo_value operand = items[2 * pc + 1];
        int64_t at = lo_fixnump(operand) ? lo_fixnum_value(operand) : 0;
        pc++;
        switch (step) {
        case STEP_LEAF:
        case STEP_CONST: {
            if (depth == MAX_DEPTH)
                return LO_NUM_EXPR_UNKNOWN;
            lo_value v = step == STEP_LEAF ? leaf(ctx, operand) : operand;
            if (!as_num(v, &stack[depth++]))
                return LO_NUM_EXPR_UNKNOWN;
            break;
        }
        case STEP_TRUTH:
            if (depth == MAX_DEPTH)
                return LO_NUM_EXPR_UNKNOWN;
            stack[depth++] = (struct num){ N_TRUTH, at != 0, 0 };
            break;
        case STEP_ADD: case STEP_SUB: case STEP_MUL:
            if (depth < 2 || !arithmetic(step, &stack[depth - 2], &stack[depth - 1]))
                return LO_NUM_EXPR_UNKNOWN;
            depth--;
            break;
        case STEP_LT: case STEP_GT: case STEP_LE: case STEP_GE: case STEP_EQ:
            if (depth < 2 || !comparison(step, &stack[depth - 2], &stack[depth - 1]))
                return LO_NUM_EXPR_UNKNOWN;
            depth--;
            break;
        case STEP_NOT:
            if (depth < 1)
                return LO_NUM_EXPR_UNKNOWN;
            stack[depth - 1] = (struct num){ N_TRUTH, !truth(&stack[depth - 1]), 0 };
            break;
        case STEP_JUMP_IF_NIL:
            if (depth < 1 || at < 0 || (uint64_t)at > n)
                return LO_NUM_EXPR_UNKNOWN;
            if (!truth(&stack[--depth]))
                pc = (uint64_t)at;
            break;
        case STEP_JUMP:
            if (at < 0 || (uint64_t)at > n)
                return LO_NUM_EXPR_UNKNOWN;
            pc = (uint64_t)at;
            break;
        case STEP_STORE:
        case STEP_SET:
            if (depth < 1 || at < 1 || at >= MAX_LOCALS)
                return LO_NUM_EXPR_UNKNOWN;
            local[at] = stack[depth - 1];
            depth -= step == STEP_STORE;
            break;
        case STEP_LOAD:
            if (depth == MAX_DEPTH || at < 1 || at >= MAX_LOCALS ||
                local[at].kind == N_NONE)
                return LO_NUM_EXPR_UNKNOWN;
            stack[depth++] = local[at];
            break;
        case STEP_RETURN:
            if (depth != 1)
                return LO_NUM_EXPR_UNKNOWN;
            return truth(&stack[0]) ? LO_NUM_EXPR_YES : LO_NUM_EXPR_NO;
        default:
            return LO_NUM_EXPR_UNKNOWN;
        }
    }
    return LO_NUM_EXPR_UNKNOWN;
}
