/*
 * disassemble.c -- (disassemble fn): the bytecode of a function, one
 * instruction a line, on *standard-output*.
 *
 * Each instruction's name and operands come from the shared table of
 * opcodes.c (opcodes.h); an instruction missing there shows as "?".
 */
#include <string.h>

#include "lisp/bytecode.h"
#include "drivers/printf.h"
#include "lisp/internal.h"
#include "lisp/opcodes.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

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
    unsigned op = code[pc];
    const char *name = lo_op_name(op), *operands = lo_op_operands(op);
    if (!name)
        name = "?", operands = "";
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
