/*
 * arg_uses.c -- what a compiled function does with its argument, read
 * from its bytecode without running it (opcodes.h).
 *
 * The object store calls a query's SATISFIES predicate once per entry
 * with a new entry handle.  A predicate that only ever hands its argument
 * to ENTRY-ATTRIBUTE, which takes an entry's id as well as its handle,
 * cannot tell the one from the other: it may be given the id, and no
 * handle need be made (store/query.c).  lo_arg_only_passed_to says
 * whether a function is such a one.  It answers from the bytecode alone
 * and says no whenever it is not sure.
 */
#include "lisp/bytecode.h"
#include "lisp/internal.h"
#include "lisp/opcodes.h"

static unsigned u16_at(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* An instruction that pushes one value and does nothing else: what may
 * come between the argument's push and the call taking it. */
static bool plain_push(unsigned op, const unsigned char *at)
{
    switch (op) {
    case OP_CONST: case OP_CLOSED: case OP_GLOBAL: case OP_FUNCTION:
        return true;
    case OP_LOCAL:
        return u16_at(at + 1) != 0;
    default:
        return false;
    }
}

/* Operands naming a closure slot rather than a frame slot. */
static bool closure_slot_op(unsigned op)
{
    return op == OP_CLOSED || op == OP_SET_BOX_CLOSED ||
           op == OP_PATCH_CLOSURE;
}

/* Whether the instruction at `at` (of `size` bytes, operands as
 * `operands` says) names frame slot 0 -- the argument -- in an 'i'
 * operand, or in the range of slots OP_MV_STORE fills. */
static bool names_slot_0(unsigned op, const char *operands,
                         const unsigned char *at)
{
    if (closure_slot_op(op))
        return false;
    const unsigned char *p = at + 1;
    for (const char *o = operands; *o; o++) {
        if (*o == 'i' && u16_at(p) == 0)
            return true;
        p += *o == 'n' || *o == 'b' ? 1 : 2;   /* no 't' has an 'i' */
    }
    return false;
}

/* The size of the instruction at pc, or 0 for an unknown opcode or one
 * running past the end. */
static uint32_t size_at(const unsigned char *bytes, uint32_t len, uint32_t pc)
{
    const char *operands = lo_op_operands(bytes[pc]);
    return operands ? lo_op_size_with(operands, bytes, len, pc) : 0;
}

bool lo_arg_only_passed_to(lo_lisp *L, lo_value fn,
                           bool (*callee_ok)(lo_lisp *L, lo_value callee,
                                             uint32_t nargs))
{
    if (!lo_typep(fn, LO_T_FUNCTION))
        return false;
    const uint64_t *code = lo_ptr(lo_ptr(fn)[FN_CODE]);
    if (code[CODE_ARITY] != lo_fixnum(1))       /* one required, no rest */
        return false;
    const lo_value *k = lo_ptr(code[CODE_CONSTANTS]) + 2;
    uint64_t nk = (uint64_t)lo_fixnum_value(lo_ptr(code[CODE_CONSTANTS])[1]);
    const unsigned char *bytes = lo_code_bytes(code);
    uint32_t len = (uint32_t)lo_fixnum_value(code[CODE_LENGTH]);
    for (uint32_t pc = 0; pc < len;) {
        unsigned op = bytes[pc];
        uint32_t size = size_at(bytes, len, pc);
        if (!size)
            return false;
        if (op == OP_LOCAL && u16_at(bytes + pc + 1) == 0) {
            /* the argument pushed: then plain pushes, then a call of an
             * accepted function taking it as its first argument */
            uint32_t at = pc + size, pushed = 1;
            for (;;) {
                if (at >= len)
                    return false;
                uint32_t s = size_at(bytes, len, at);
                if (!s)
                    return false;
                if (!plain_push(bytes[at], bytes + at))
                    break;
                at += s;
                pushed++;
            }
            unsigned call = bytes[at];
            if (call != OP_CALL_GLOBAL && call != OP_TAIL_CALL_GLOBAL)
                return false;
            unsigned ki = u16_at(bytes + at + 1), nargs = bytes[at + 3];
            if (ki >= nk || nargs != pushed || !lo_typep(k[ki], LO_T_CELL) ||
                !callee_ok(L, lo_cell_get(k[ki]), nargs))
                return false;
            pc = at;            /* the call is an instruction of its own */
            continue;
        }
        if (names_slot_0(op, lo_op_operands(op), bytes + pc))
            return false;
        pc += size;
    }
    return true;
}
