/*
 * disassemble.c -- (disassemble fn): the bytecode of a function, one
 * instruction a line, on *standard-output*.
 *
 * The table below gives each instruction's name and operands in the
 * encoding of bytecode.h: k a constant (u16, shown with its value), i a
 * frame or closure slot (u16), a a code address (u16), c a count (u16),
 * b and n a count (u8), t a jump table (a u8 count, then that many
 * addresses).  It must follow bytecode.h; an instruction missing here
 * shows as "?".
 */
#include <string.h>

#include "lisp/bytecode.h"
#include "drivers/printf.h"
#include "lisp/internal.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

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

const char *lo_op_name(unsigned op, const char **operands)
{
    for (size_t i = 0; i < sizeof instructions / sizeof instructions[0]; i++)
        if (instructions[i].op == op) {
            if (operands)
                *operands = instructions[i].operands;
            return instructions[i].name;
        }
    return NULL;
}

static void put(lo_lisp *L, lo_value out, const char *s)
{
    lo_stream_write_utf8(L, out, s, strlen(s));
}

/* One instruction at code[pc] (len bytes in all); returns the next pc. */
static uint32_t show_instruction(lo_lisp *L, lo_value out,
                                 const unsigned char *code, uint32_t len,
                                 uint32_t pc, const lo_value *constants,
                                 int64_t nconstants)
{
    char buf[64];
    const char *operands = "", *name = lo_op_name(code[pc], &operands);
    if (!name)
        name = "?";
    lo_snprintf(buf, sizeof buf, "%5u  %s", pc, name);
    put(L, out, buf);
    pc++;
    for (const char *o = operands; *o && pc < len; o++) {
        bool wide = *o != 'n' && *o != 'b' && *o != 't';
        unsigned v = code[pc] | (wide && pc + 1 < len ? code[pc + 1] << 8 : 0);
        pc += wide ? 2 : 1;
        lo_snprintf(buf, sizeof buf, " %u", v);
        put(L, out, buf);
        if (*o == 'k' && (int64_t)v < nconstants) {
            put(L, out, " ; ");
            lo_print_to_stream(L, constants[v], 1, out);
        }
        for (unsigned t = 0; *o == 't' && t < v && pc + 1 < len; t++, pc += 2) {
            lo_snprintf(buf, sizeof buf, " %u", code[pc] | code[pc + 1] << 8);
            put(L, out, buf);
        }
    }
    put(L, out, "\n");
    return pc;
}

LO_PRIMITIVE(p_disassemble, "DISASSEMBLE", CL, ANY, 1, 1, "(fn)",
             "Write the bytecode of the function FN (or of the global "
             "function FN names) to *STANDARD-OUTPUT*, one instruction a "
             "line; returns NIL.  Needs FN's read bit.  A built-in function "
             "is C and has none to show; lambda expressions are not taken.")
{
    lo_value fn = lo_function_designator(L, args[0], "DISASSEMBLE");
    /* a function's read bit: its code may be looked at */
    lo_check_access(L, fn, LO_ACCESS_READ, "DISASSEMBLE");
    if (lo_typep(fn, LO_T_INSTANCE))
        fn = lo_instance_callee(fn);    /* a generic function's dispatch */
    lo_value out = lo_output_stream(L, L->nil, "DISASSEMBLE");
    if (lo_typep(fn, LO_T_PRIMITIVE)) {
        put(L, out, "; ");
        lo_print_to_stream(L, lo_ptr(fn)[PRIM_NAME], 1, out);
        put(L, out, " is built in (written in C): no bytecode\n");
        return L->nil;
    }
    uint64_t *code = lo_ptr(lo_ptr(fn)[FN_CODE]);
    uint32_t len = (uint32_t)lo_fixnum_value(code[CODE_LENGTH]);
    const unsigned char *bytes = lo_code_bytes(code);
    lo_value constants = code[CODE_CONSTANTS];
    /* Printing conses nothing that could move the code: no collection
     * happens outside a safepoint, and this primitive polls none. */
    for (uint32_t pc = 0; pc < len;)
        pc = show_instruction(L, out, bytes, len, pc, lo_ptr(constants) + 2,
                              lo_fixnum_value(lo_ptr(constants)[1]));
    return L->nil;
}

const struct lo_primitive *const lo_prims_disassemble[] = {
    LO_ROW(p_disassemble),
    NULL,
};
