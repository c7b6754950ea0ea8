/*
 * num_expr.c -- a function that only computes a number or a comparison,
 * read from its bytecode into a little program C runs (num_expr.h).
 *
 * The object store calls a query's SATISFIES predicate once per entry.
 * Most such predicates are arithmetic and comparisons over attribute
 * values: (lambda (e) (> (* (entry-attribute e :rating) 2) 7)).  Calling
 * the VM a million times for them costs more than the rest of the scan.
 * lo_num_expr_read reads such a function's bytecode -- straight-line
 * code, no jump, no variable but its one argument -- into a program of
 * postfix steps over constants and "leaves" (calls of its argument and a
 * constant that the caller recognizes: ENTRY-ATTRIBUTE and a key), and
 * lo_num_expr_test runs that program on fixnums and doubles exactly as
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
 * its operand (the constant, or NIL).
 */
#include <string.h>

#include "lisp/bytecode.h"
#include "lisp/internal.h"
#include "lisp/num_expr.h"
#include "lisp/numbers.h"
#include "lisp/opcodes.h"
#include "lisp/sequences.h"

enum step {
    STEP_LEAF,                  /* push leaf(operand) */
    STEP_CONST,                 /* push operand, a fixnum or a double */
    STEP_ADD, STEP_SUB, STEP_MUL,
    STEP_LT, STEP_GT, STEP_LE, STEP_GE, STEP_EQ,
};

/* Room for the steps of a program, and for the values it stacks. */
enum { MAX_STEPS = 64, MAX_DEPTH = 16 };

static unsigned u16_at(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* ---- reading the bytecode ---------------------------------------------------- */

/* The step of a call of fn with two arguments when fn is the standard
 * primitive it stands for (callable), else -1. */
static int arithmetic_step(lo_value fn)
{
    static const struct { const char *name; enum step step; } ops[] = {
        { "+", STEP_ADD }, { "-", STEP_SUB }, { "*", STEP_MUL },
        { "<", STEP_LT }, { ">", STEP_GT }, { "<=", STEP_LE },
        { ">=", STEP_GE }, { "=", STEP_EQ },
    };
    if (!lo_typep(fn, LO_T_PRIMITIVE) ||
        !(lo_access_bits(fn) & LO_ACCESS_CALL))
        return -1;
    const struct lo_primitive *p = lo_primitive_of(fn);
    if (!p || p->package != LO_PKG_CL)
        return -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(p->name, ops[i].name))
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

/* What the reader knows of each value the code stacks. */
enum kind { K_ARG, K_KEY, K_NUMBER };

struct reader {
    enum kind stack[MAX_DEPTH];
    lo_value key[MAX_DEPTH];    /* a K_KEY's constant */
    unsigned depth;
    lo_value steps[2 * MAX_STEPS];
    unsigned nsteps;
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

/* A call of fn on the two values on top: a leaf (the argument and a
 * constant, fn accepted by leaf_ok) or arithmetic on two numbers. */
static bool read_call(lo_lisp *L, struct reader *r, lo_value fn,
                      lo_num_expr_leaf_ok *leaf_ok)
{
    if (r->depth < 2)
        return false;
    enum kind a = r->stack[r->depth - 2], b = r->stack[r->depth - 1];
    lo_value key = r->key[r->depth - 1];
    r->depth -= 2;
    if (a == K_ARG && b == K_KEY && leaf_ok(L, fn, 2))
        return emit(r, STEP_LEAF, key) && push(r, K_NUMBER, 0);
    int step = arithmetic_step(fn);
    return step >= 0 && a == K_NUMBER && b == K_NUMBER &&
           emit(r, (enum step)step, 0) && push(r, K_NUMBER, 0);
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
    struct reader r = { .depth = 0, .nsteps = 0 };
    for (uint32_t pc = 0; pc < len;) {
        unsigned op = bytes[pc];
        const char *operands = lo_op_operands(op);
        uint32_t size = operands ? lo_op_size_with(operands, bytes, len, pc) : 0;
        if (!size)
            return L->nil;
        unsigned ki = size >= 3 ? u16_at(bytes + pc + 1) : 0;
        /* the last instruction (a tail call may have a RETURN after it,
         * never reached) */
        bool last = pc + size == len ||
                    (op == OP_TAIL_CALL_GLOBAL && pc + size + 1 == len &&
                     bytes[pc + size] == OP_RETURN),
             ok;
        switch (op) {
        case OP_LOCAL:
            ok = ki == 0 && push(&r, K_ARG, 0);
            break;
        case OP_CONST:
            if (ki >= nk)
                return L->nil;
            if (lo_fixnump(k[ki]) || lo_doublep(k[ki]))
                ok = emit(&r, STEP_CONST, k[ki]) && push(&r, K_NUMBER, 0);
            else
                ok = push(&r, K_KEY, k[ki]);
            break;
        case OP_CALL_GLOBAL:
        case OP_TAIL_CALL_GLOBAL:
            ok = ki < nk && bytes[pc + 3] == 2 && lo_typep(k[ki], LO_T_CELL) &&
                 (op == OP_CALL_GLOBAL || last) &&
                 read_call(L, &r, lo_cell_get(k[ki]), leaf_ok);
            if (ok && op == OP_TAIL_CALL_GLOBAL)
                goto done;
            break;
        case OP_ADD2: case OP_SUB2: case OP_LT2: case OP_GT2: case OP_LE2:
        case OP_GE2: case OP_NUM_EQ2:
            /* the instruction calls its cell unless that holds the
             * standard primitive: read as the call it then is */
            ok = ki < nk && lo_typep(k[ki], LO_T_CELL) &&
                 arithmetic_step(lo_cell_get(k[ki])) == inline_step(op) &&
                 read_call(L, &r, lo_cell_get(k[ki]), leaf_ok);
            break;
        case OP_RETURN1:
            ok = last;
            if (ok)
                goto done;
            break;
        default:
            ok = false;
        }
        if (!ok)
            return L->nil;
        pc += size;
    }
    return L->nil;              /* ran off the end: not a plain body */
done:
    if (r.depth != 1 || r.stack[0] != K_NUMBER)
        return L->nil;
    lo_value program = lo_make_vector(L, 2 * r.nsteps, L->nil);
    memcpy(lo_vector_items(program), r.steps, 2 * r.nsteps * sizeof(lo_value));
    return program;
}

/* ---- running a program --------------------------------------------------------- */

/* A number as the program holds it, or a comparison's truth. */
struct num {
    enum { N_FIXNUM, N_DOUBLE, N_TRUTH } kind;
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
    struct num stack[MAX_DEPTH];
    unsigned depth = 0;
    uint64_t n = lo_vector_length(program);
    const lo_value *items = lo_vector_items(program);
    for (uint64_t i = 0; i < n; i += 2) {
        enum step step = (enum step)lo_fixnum_value(items[i]);
        lo_value operand = items[i + 1];
        switch (step) {
        case STEP_LEAF:
        case STEP_CONST:
            if (depth == MAX_DEPTH ||
                !as_num(step == STEP_LEAF ? leaf(ctx, operand) : operand,
                        &stack[depth]))
                return LO_NUM_EXPR_UNKNOWN;
            depth++;
            break;
        case STEP_ADD: case STEP_SUB: case STEP_MUL:
            if (depth < 2 || !arithmetic(step, &stack[depth - 2], &stack[depth - 1]))
                return LO_NUM_EXPR_UNKNOWN;
            depth--;
            break;
        default:
            if (depth < 2 || !comparison(step, &stack[depth - 2], &stack[depth - 1]))
                return LO_NUM_EXPR_UNKNOWN;
            depth--;
        }
    }
    if (depth != 1)
        return LO_NUM_EXPR_UNKNOWN;
    /* a number is true, as any value but NIL */
    return stack[0].kind != N_TRUTH || stack[0].i ? LO_NUM_EXPR_YES
                                                  : LO_NUM_EXPR_NO;
}
