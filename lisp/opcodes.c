/*
 * opcodes.c -- the table of instruction names and operands (opcodes.h).
 * It must follow bytecode.h: an opcode missing here is unknown to the
 * disassembler ("?") and to the translator (it refuses the code).
 */
#include <stddef.h>

#include "lisp/bytecode.h"
#include "lisp/opcodes.h"

static const struct {
    unsigned op;
    const char *name, *operands;
} instructions[] = {
    { OP_CONST, "CONST", "k" }, { OP_LOCAL, "LOCAL", "i" },
    { OP_SET_LOCAL, "SET-LOCAL", "i" }, { OP_GLOBAL, "GLOBAL", "k" },
    { OP_SET_GLOBAL, "SET-GLOBAL", "k" }, { OP_FUNCTION, "FUNCTION", "k" },
    { OP_CALL_GLOBAL, "CALL-GLOBAL", "kn" }, { OP_CALL, "CALL", "n" },
    { OP_JUMP, "JUMP", "a" }, { OP_JUMP_IF_NIL, "JUMP-IF-NIL", "a" },
    { OP_POP, "POP", "" }, { OP_RETURN, "RETURN", "" },
    { OP_DEFINE, "DEFINE", "k" },
    { OP_TAIL_CALL_GLOBAL, "TAIL-CALL-GLOBAL", "kn" },
    { OP_TAIL_CALL, "TAIL-CALL", "n" }, { OP_CLOSED, "CLOSED", "i" },
    { OP_BOX, "BOX", "i" }, { OP_UNBOX, "UNBOX", "" },
    { OP_SET_BOX_LOCAL, "SET-BOX-LOCAL", "i" },
    { OP_SET_BOX_CLOSED, "SET-BOX-CLOSED", "i" },
    { OP_CLOSURE, "CLOSURE", "kn" }, { OP_CAR, "CAR", "" },
    { OP_CDR, "CDR", "" }, { OP_CHECK_CONS, "CHECK-CONS", "i" },
    { OP_CHECK_EMPTY, "CHECK-EMPTY", "i" }, { OP_BIND, "BIND", "k" },
    { OP_UNBIND, "UNBIND", "c" }, { OP_MV1, "MV1", "" },
    { OP_MV_PUSH, "MV-PUSH", "" }, { OP_MV_CALL, "MV-CALL", "i" },
    { OP_MV_SAVE, "MV-SAVE", "" }, { OP_MV_RESTORE, "MV-RESTORE", "" },
    { OP_MV_STORE, "MV-STORE", "in" }, { OP_SAVE_SP, "SAVE-SP", "i" },
    { OP_RESTORE_SP, "RESTORE-SP", "i" }, { OP_SET_SP, "SET-SP", "i" },
    { OP_EXIT_ID, "EXIT-ID", "i" }, { OP_CATCH, "CATCH", "a" },
    { OP_TAGBODY, "TAGBODY", "a" }, { OP_UNCATCH, "UNCATCH", "b" },
    { OP_THROW, "THROW", "" }, { OP_UWP, "UNWIND-PROTECT", "a" },
    { OP_UWP_NORMAL, "UWP-NORMAL", "" }, { OP_UWP_END, "UWP-END", "" },
    { OP_JUMP_TABLE, "JUMP-TABLE", "t" }, { OP_ADD2, "+", "k" },
    { OP_SUB2, "-", "k" }, { OP_LT2, "<", "k" }, { OP_GT2, ">", "k" },
    { OP_LE2, "<=", "k" }, { OP_GE2, ">=", "k" }, { OP_NUM_EQ2, "=", "k" },
    { OP_ADD1, "1+", "k" }, { OP_SUB1, "1-", "k" }, { OP_EQ2, "EQ", "k" },
    { OP_CAR1, "CAR", "k" }, { OP_CDR1, "CDR", "k" }, { OP_CONS2, "CONS", "k" },
    { OP_NULL1, "NULL", "k" }, { OP_RETURN1, "RETURN1", "" },
    { OP_STORE_LOCAL, "STORE-LOCAL", "i" },
    { OP_CONSTANT_INIT, "CONSTANT-INIT", "k" },
    { OP_PATCH_CLOSURE, "PATCH-CLOSURE", "i" },
    { OP_SET_SYSTEM_GLOBAL, "SET-SYSTEM-GLOBAL", "k" },
};

static int find(unsigned op)
{
    for (size_t i = 0; i < sizeof instructions / sizeof instructions[0]; i++)
        if (instructions[i].op == op)
            return (int)i;
    return -1;
}

const char *lo_op_name(unsigned op)
{
    int i = find(op);
    return i < 0 ? NULL : instructions[i].name;
}

const char *lo_op_operands(unsigned op)
{
    int i = find(op);
    return i < 0 ? NULL : instructions[i].operands;
}

uint32_t lo_op_size_with(const char *operands, const unsigned char *bytes,
                         uint32_t len, uint32_t pc)
{
    uint64_t at = (uint64_t)pc + 1;
    for (const char *o = operands; *o; o++) {
        if (*o == 't') {                /* a u8 count, then the addresses */
            if (at >= len)
                return 0;
            at += 1 + 2ull * bytes[at];
        } else {
            at += *o == 'n' || *o == 'b' ? 1 : 2;
        }
    }
    return at > len ? 0 : (uint32_t)(at - pc);
}
